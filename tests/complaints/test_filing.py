"""Filing: the guided form, drafts that keep what was typed, several incidents at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.models import Complaint, Incident, Lender, Status, TimelineEvent
from tests.factories import ComplaintFactory, IncidentFactory, LenderFactory

pytestmark = pytest.mark.django_db


def incident(i: int, **overrides: str) -> dict[str, str]:
    data = {
        "occurred_at": "2026-11-20T21:30",
        "channel": "call",
        "kind": "third_parties",
        "collector_id": "+86 171-0000-1111",
        "contacted": "family",
        "contacted_count": "3",
        "third_party_number": "13912345678",
        "description": "打电话给我妈妈",
    }
    data.update(overrides)
    return {f"incidents-{i}-{k}": v for k, v in data.items()}


def filing(*incidents: dict[str, str], action: str = "submit", **overrides: str) -> dict[str, str]:
    data = {
        "lender_name": "小赢卡贷",
        "funding_name": "",
        "filer_relation": "self",
        "summary": "催收人员给我的家人和同事打电话。",
        "desired_outcomes": ["stop_third_parties", "apology"],
        "province": "440000",
        "loan_amount": "",
        "loan_date": "",
        "is_overdue": "unknown",
        "consent_sensitive": "on",
        "incidents-TOTAL_FORMS": str(len(incidents)),
        "incidents-INITIAL_FORMS": "0",
        "incidents-MIN_NUM_FORMS": "0",
        "incidents-MAX_NUM_FORMS": "30",
        "action": action,
    }
    for block in incidents:
        data.update(block)
    data.update(overrides)
    return data


@pytest.fixture
def logged_in(client, borrower):
    LenderFactory(name="小赢卡贷", other_names="小赢科技\n小赢")
    client.force_login(borrower)
    return client


def test_it_submits_a_complaint_with_two_incidents(logged_in, borrower):
    response = logged_in.post(
        reverse("complaints:create"),
        filing(incident(0), incident(1, kind="night_calls", occurred_at="2026-11-21T23:40")),
    )

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == complaint.get_absolute_url()
    assert complaint.status == Status.SUBMITTED
    assert complaint.filer == borrower
    assert complaint.lender.name == "小赢卡贷"
    assert complaint.desired_outcomes == ["stop_third_parties", "apology"]
    kinds = list(complaint.incidents.values_list("kind", flat=True))
    assert kinds == ["third_parties", "night_calls"]
    first = complaint.incidents.first()
    assert first.collector_id_normalized == "17100001111"
    assert first.third_party_number == "13912345678"
    assert list(complaint.events.values_list("kind", flat=True)) == ["created", "status"]


def test_the_detail_page_masks_third_party_numbers(logged_in):
    logged_in.post(reverse("complaints:create"), filing(incident(0)))
    complaint = Complaint.objects.get()

    page = logged_in.get(complaint.get_absolute_url()).content.decode()

    assert "139****5678" in page
    assert "13912345678" not in page


def test_it_saves_a_draft_and_comes_back_to_it(logged_in):
    response = logged_in.post(reverse("complaints:create"), filing(action="draft", summary=""))

    complaint = Complaint.objects.get()
    assert complaint.status == Status.DRAFT
    assert response["Location"] == reverse("complaints:edit", args=[complaint.reference])
    page = logged_in.get(response["Location"]).content.decode()
    assert 'value="小赢卡贷"' in page


def test_a_wrong_field_keeps_everything_typed(logged_in):
    response = logged_in.post(
        reverse("complaints:create"),
        filing(incident(0, description="他说要去我单位闹", occurred_at="not a date"), loan_amount="-5"),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    assert "催收人员给我的家人和同事打电话。" in page
    assert "他说要去我单位闹" in page
    assert 'value="+86 171-0000-1111"' in page
    assert 'value="440000" selected' in page
    assert "金额不能为负数" in page


def test_submitting_without_an_incident_asks_for_one_and_keeps_the_text(logged_in):
    response = logged_in.post(reverse("complaints:create"), filing())

    assert response.status_code == 200
    assert not Complaint.objects.exists()
    page = response.content.decode()
    assert "请至少记录一条骚扰事件" in page
    assert "催收人员给我的家人和同事打电话。" in page


def test_an_untouched_extra_incident_form_is_ignored(logged_in):
    blank = {"incidents-1-contacted": "self"}

    logged_in.post(reverse("complaints:create"), filing(incident(0), blank))

    assert Incident.objects.count() == 1


def test_a_future_incident_time_is_refused(logged_in):
    response = logged_in.post(
        reverse("complaints:create"), filing(incident(0, occurred_at="2099-01-01T10:00"))
    )

    assert response.status_code == 200
    assert not Complaint.objects.exists()


def test_a_lender_can_be_named_by_another_name(logged_in):
    logged_in.post(reverse("complaints:create"), filing(incident(0), lender_name="小赢科技"))

    assert Complaint.objects.get().lender.name == "小赢卡贷"
    assert Lender.objects.count() == 1


def test_an_unknown_lender_waits_for_an_admin(logged_in, borrower):
    logged_in.post(reverse("complaints:create"), filing(incident(0), lender_name="  闪电  借款 "))

    lender = Complaint.objects.get().lender
    assert lender.name == "闪电 借款"
    assert lender.confirmed is False
    assert lender.named_by == borrower


def test_a_merged_lender_resolves_to_the_survivor(logged_in):
    survivor = LenderFactory(name="拍拍贷")
    LenderFactory(name="拍拍", merged_into=survivor, confirmed=False)

    logged_in.post(reverse("complaints:create"), filing(incident(0), lender_name="拍拍"))

    assert Complaint.objects.get().lender == survivor


def test_editing_a_draft_adds_incidents_then_submits(logged_in, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.DRAFT, lender=LenderFactory(name="小赢卡贷"))
    IncidentFactory(complaint=complaint)

    response = logged_in.post(
        reverse("complaints:edit", args=[complaint.reference]), filing(incident(0, kind="threats"))
    )

    complaint.refresh_from_db()
    assert response.status_code == 302
    assert complaint.status == Status.SUBMITTED
    assert complaint.incidents.count() == 2


def test_borrowers_add_incidents_after_filing(logged_in, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.WAITING_LENDER)

    response = logged_in.post(
        reverse("complaints:add_incident", args=[complaint.reference]),
        {
            "incident-occurred_at": "2026-11-25T08:15",
            "incident-channel": "sms",
            "incident-kind": "threats",
            "incident-contacted": "self",
            "incident-description": "说要上门",
        },
    )

    assert response.status_code == 302
    assert complaint.incidents.get().description == "说要上门"
    assert TimelineEvent.objects.filter(complaint=complaint, kind="incident").count() == 1


def test_a_bad_incident_keeps_what_was_typed(logged_in, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)

    response = logged_in.post(
        reverse("complaints:add_incident", args=[complaint.reference]),
        {
            "incident-occurred_at": "",
            "incident-channel": "sms",
            "incident-kind": "threats",
            "incident-contacted": "self",
            "incident-description": "说要上门",
        },
    )

    assert response.status_code == 200
    assert "说要上门" in response.content.decode()
    assert not complaint.incidents.exists()


def test_my_complaints_shows_an_empty_state_that_guides(client, borrower):
    client.force_login(borrower)

    page = client.get(reverse("complaints:mine")).content.decode()

    assert reverse("complaints:create") in page
    assert "您还没有提交投诉" in page


def test_my_complaints_paginates(client, borrower):
    for _ in range(25):
        ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    client.force_login(borrower)

    first = client.get(reverse("complaints:mine"))
    second = client.get(reverse("complaints:mine") + "?page=2")

    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 5


def test_references_are_unguessable_and_readable():
    from complaints.models import REFERENCE_ALPHABET, new_reference

    refs = {new_reference() for _ in range(2000)}

    assert len(refs) == 2000
    for ref in refs:
        head, tail = ref.split("-")
        assert len(head) == len(tail) == 5
        assert set(head + tail) <= set(REFERENCE_ALPHABET)


def test_submitting_needs_consent_to_sensitive_information_once(logged_in, borrower):
    from accounts.models import Consent

    refused = logged_in.post(reverse("complaints:create"), filing(incident(0), consent_sensitive=""))
    assert refused.status_code == 200
    assert not Complaint.objects.exists()
    assert "请同意" in refused.content.decode()

    logged_in.post(reverse("complaints:create"), filing(incident(0)))
    consent = Consent.objects.get(user=borrower, purpose="sensitive")
    assert consent.notice_version and consent.given_at

    # Asked once per notice version: the next complaint needs no tick.
    logged_in.post(reverse("complaints:create"), filing(incident(0), consent_sensitive=""))
    assert Complaint.objects.count() == 2


def test_every_select_of_the_filing_page_asks_to_choose(logged_in):
    """Empty choices are named once on the form classes (the formset's own subclass too)."""
    from django.utils import translation

    from complaints.forms import ComplaintForm, IncidentForm, IncidentFormSet

    page = logged_in.get(reverse("complaints:create"), headers={"Accept-Language": "en"}).content.decode()

    assert "---------" not in page
    assert ">Please choose</option>" in page
    with translation.override("en"):
        for form in (IncidentForm(), IncidentFormSet(prefix="incidents").forms[0]):
            assert next(str(label) for _, label in form.fields["channel"].choices) == "Please choose"
        assert str(next(iter(ComplaintForm().fields["province"].choices))[1]) == "— choose —"


def test_a_filing_that_succeeds_never_lays_out_its_forms(logged_in, monkeypatch):
    from complaints import forms

    def refuse(*args, **kwargs):
        raise AssertionError("a layout was built")

    monkeypatch.setattr(forms, "FormHelper", refuse)
    response = logged_in.post(reverse("complaints:create"), filing(incident(0), incident(1)))

    assert response.status_code == 302


def _consent_queries(ctx) -> int:
    return sum('"accounts_consent"' in q["sql"] for q in ctx.captured_queries)


def test_a_consent_seen_once_is_not_asked_of_the_database_again_in_that_session(logged_in, borrower):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    logged_in.post(reverse("complaints:create"), filing(incident(0)))  # gives the consent

    with CaptureQueriesContext(connection) as page:
        logged_in.get(reverse("complaints:create"))
    with CaptureQueriesContext(connection) as post:
        response = logged_in.post(reverse("complaints:create"), filing(incident(0), consent_sensitive=""))

    assert response.status_code == 302 and Complaint.objects.filter(status="submitted").count() == 2
    assert _consent_queries(page) == _consent_queries(post) == 0


def test_a_session_that_saw_one_persons_consent_asks_again_for_another(client, borrower, other_borrower):
    from accounts.models import Consent
    from accounts.services import has_consented
    from tests.factories import consented

    consented(borrower)
    client.force_login(borrower)
    session = client.session
    assert has_consented(borrower, Consent.Purpose.SENSITIVE, session=session)

    # The same browser's session, another person (a fresh object, as in a new request).
    assert not has_consented(
        type(other_borrower).objects.get(pk=other_borrower.pk), "sensitive", session=session
    )


def test_a_new_notice_asks_again_though_the_session_saw_the_old_consent(client, borrower, monkeypatch):
    from accounts import services as account_services
    from accounts.models import Consent
    from tests.factories import consented

    consented(borrower)
    session = client.session
    assert account_services.has_consented(borrower, Consent.Purpose.SENSITIVE, session=session)

    monkeypatch.setattr(account_services, "NOTICE_VERSION", "2099-01")
    fresh = type(borrower).objects.get(pk=borrower.pk)
    assert not account_services.has_consented(fresh, Consent.Purpose.SENSITIVE, session=session)
