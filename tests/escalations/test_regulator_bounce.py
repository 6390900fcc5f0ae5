"""A letter the app emailed to a regulator bounced: like a company's complaint address,
the regulator's is not emailed again until an admin corrects it, and the route and the
send button say so instead of offering a send that would bounce again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.forms.models import model_to_dict
from django.utils import timezone, translation

from complaints.models import Institution, Status
from escalations import panels, sending
from escalations.letters import LetterTarget
from escalations.models import Escalation, EscalationStatus
from regulators.models import Regulator, RegulatorChange
from regulators.selectors import active_regulators
from tests.escalations.test_receive_mail import LENDER_ADDRESS, TOKEN_A, bounce, receive, reply_domain  # noqa: F401 - a fixture
from tests.factories import ComplaintFactory, InstitutionFactory, RegulatorFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reply_domain")]

REGULATOR_ADDRESS = "xinfang@jr.gd.example.cn"


@pytest.fixture
def regulator_letter(borrower) -> Escalation:
    regulator = RegulatorFactory(kind="local_financial_bureau", email=REGULATOR_ADDRESS)
    institution = InstitutionFactory(complaint_email=LENDER_ADDRESS)
    complaint = ComplaintFactory(
        filer=borrower, funding_institution=institution, status=Status.WAITING_REGULATOR
    )
    now = timezone.now()
    return Escalation.objects.create(
        complaint=complaint,
        regulator=regulator,
        channel="email",
        status=EscalationStatus.SENT,
        sent_at=now - timedelta(days=1),
        due_at=now + timedelta(days=30),
        reply_token=TOKEN_A,
        message_id="<regulator.letter@mail.example.org>",
    )


def regulator_bounce() -> bytes:
    return bounce(TOKEN_A).replace(LENDER_ADDRESS.encode(), REGULATOR_ADDRESS.encode())


def test_a_bounce_of_a_regulators_letter_marks_its_address_and_no_company(
    regulator_letter, django_capture_on_commit_callbacks
):
    receive(regulator_bounce(), django_capture_on_commit_callbacks)

    regulator = Regulator.objects.get(pk=regulator_letter.regulator_id)
    assert regulator.email_failing_since is not None
    assert "550 5.1.1" in regulator.email_failure
    assert not Institution.objects.filter(complaint_email_failing_since__isnull=False).exists()
    with translation.override("en"):
        route = sending.email_route(regulator_letter.complaint, LetterTarget(regulator=regulator))
    assert route.address == "" and "undelivered" in route.problem
    # The route's rows come from each worker's copy of the directory: it was renewed.
    (fresh,) = [r for r in active_regulators() if r.pk == regulator.pk]
    assert fresh.email_failing_since is not None
    step = type("Step", (), {"regulator": fresh, "institution": None})()
    assert not panels._takes_email(step)


def test_a_second_bounce_keeps_the_first_date(regulator_letter, django_capture_on_commit_callbacks):
    receive(regulator_bounce(), django_capture_on_commit_callbacks)
    first = Regulator.objects.get(pk=regulator_letter.regulator_id).email_failing_since

    receive(regulator_bounce().replace(b"<bounce.1@", b"<bounce.2@"), django_capture_on_commit_callbacks)

    assert Regulator.objects.get(pk=regulator_letter.regulator_id).email_failing_since == first


def test_an_admin_correcting_the_address_lets_the_app_email_it_again(
    regulator_letter, admin_user, rf, django_capture_on_commit_callbacks
):
    receive(regulator_bounce(), django_capture_on_commit_callbacks)
    regulator = Regulator.objects.get(pk=regulator_letter.regulator_id)
    model_admin = admin.site._registry[Regulator]
    request = rf.post("/")
    request.user = admin_user
    data = {k: v for k, v in model_to_dict(regulator).items() if v is not None}
    since = timezone.localtime(data.pop("email_failing_since"))
    data["email_failing_since_0"] = f"{since:%Y-%m-%d}"
    data["email_failing_since_1"] = f"{since:%H:%M:%S}"
    data["email"] = "tousu@jr.gd.example.cn"
    form = model_admin.get_form(request, regulator)(data, instance=regulator)
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, change=True)

    regulator.refresh_from_db()
    assert regulator.email_failing_since is None and regulator.email_failure == ""
    assert RegulatorChange.objects.filter(regulator=regulator, field="email_failing_since", new="").exists()
    route = sending.email_route(regulator_letter.complaint, LetterTarget(regulator=regulator))
    assert route.address == "tousu@jr.gd.example.cn"
