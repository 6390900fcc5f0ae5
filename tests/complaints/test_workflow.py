"""Every status rule, allowed and refused, for each kind of actor."""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Consent
from accounts.services import consent_record
from complaints import services, workflow
from complaints.models import Status, TimelineEvent
from tests.factories import ComplaintFactory, IncidentFactory, consented

pytestmark = pytest.mark.django_db

S = Status
# The specification, written out independently of complaints.workflow: (from, to) -> who.
ALLOWED = {
    (S.DRAFT, S.SUBMITTED): {"filer"},
    (S.DRAFT, S.CLOSED): {"filer"},
    (S.SUBMITTED, S.UNDER_REVIEW): {"advocate", "admin"},
    (S.SUBMITTED, S.WAITING_LENDER): {"filer", "advocate", "admin"},
    (S.SUBMITTED, S.CLOSED): {"filer", "advocate", "admin"},
    (S.UNDER_REVIEW, S.WAITING_LENDER): {"filer", "advocate", "admin"},
    (S.UNDER_REVIEW, S.WAITING_REGULATOR): {"advocate", "admin"},
    (S.UNDER_REVIEW, S.RESOLVED): {"advocate", "admin"},
    (S.UNDER_REVIEW, S.CLOSED): {"filer", "advocate", "admin"},
    (S.WAITING_LENDER, S.WAITING_REGULATOR): {"filer", "advocate", "admin"},
    (S.WAITING_LENDER, S.RESOLVED): {"filer", "advocate", "admin"},
    (S.WAITING_LENDER, S.CLOSED): {"filer", "advocate", "admin"},
    (S.WAITING_REGULATOR, S.RESOLVED): {"filer", "advocate", "admin"},
    (S.WAITING_REGULATOR, S.CLOSED): {"filer", "advocate", "admin"},
    (S.RESOLVED, S.SUBMITTED): {"filer"},
    (S.RESOLVED, S.UNDER_REVIEW): {"advocate", "admin"},
    (S.CLOSED, S.SUBMITTED): {"filer"},
    (S.CLOSED, S.UNDER_REVIEW): {"advocate", "admin"},
}
ACTORS = ["filer", "advocate", "admin", "stranger"]
ALL_MOVES = [(src, dst, actor) for src, dst in itertools.permutations(Status.values, 2) for actor in ACTORS]


@pytest.fixture
def people(borrower, other_borrower, advocate, admin_user):
    return {"filer": borrower, "stranger": other_borrower, "advocate": advocate, "admin": admin_user}


@pytest.mark.parametrize(("src", "dst", "actor"), ALL_MOVES)
def test_each_move_is_allowed_or_refused_as_specified(people, src, dst, actor):
    """Who may make each move; the "waiting" ones as the escalation services make them."""
    complaint = ComplaintFactory(filer=people["filer"], status=src)
    IncidentFactory(complaint=complaint)
    consent_record(user=people["filer"], purpose=Consent.Purpose.SENSITIVE)
    allowed = actor in ALLOWED.get((src, dst), set())
    move = {"to_status": dst, "note": "因为需要", "by_escalation": dst in workflow.ESCALATION_ONLY}

    if allowed:
        services.complaint_transition(complaint=complaint, actor=people[actor], **move)
    else:
        with pytest.raises(services.ComplaintError):
            services.complaint_transition(complaint=complaint, actor=people[actor], **move)

    complaint.refresh_from_db()
    assert complaint.status == (dst if allowed else src)
    changes = TimelineEvent.objects.filter(complaint=complaint, kind=TimelineEvent.Kind.STATUS)
    assert changes.count() == (1 if allowed else 0)


def test_it_records_who_when_from_to_and_why(borrower):
    complaint = ComplaintFactory(filer=borrower, status=S.WAITING_LENDER)

    services.complaint_transition(complaint=complaint, actor=borrower, to_status=S.CLOSED, note="已协商解决")

    event = TimelineEvent.objects.get(complaint=complaint)
    assert (event.actor, event.from_status, event.to_status, event.note) == (
        borrower,
        S.WAITING_LENDER,
        S.CLOSED,
        "已协商解决",
    )
    assert event.created is not None


def test_closing_needs_a_reason(borrower):
    complaint = ComplaintFactory(filer=borrower, status=S.SUBMITTED)

    with pytest.raises(services.ComplaintError):
        services.complaint_transition(complaint=complaint, actor=borrower, to_status=S.CLOSED, note=" ")

    complaint.refresh_from_db()
    assert complaint.status == S.SUBMITTED


def test_submitting_needs_a_summary_and_an_incident(borrower):
    complaint = ComplaintFactory(filer=consented(borrower), status=S.DRAFT, summary="")

    with pytest.raises(services.ComplaintError, match="至少记录一条"):
        services.complaint_submit(complaint=complaint, actor=borrower)

    complaint.refresh_from_db()
    assert complaint.status == S.DRAFT
    assert complaint.submitted_at is None


def test_submitting_sets_the_submission_time(borrower):
    complaint = ComplaintFactory(filer=consented(borrower), status=S.DRAFT)
    IncidentFactory(complaint=complaint)

    services.complaint_submit(complaint=complaint, actor=borrower)

    complaint.refresh_from_db()
    assert complaint.status == S.SUBMITTED
    assert complaint.submitted_at is not None


class TestTransitionView:
    def test_it_moves_the_status_on_post(self, client, advocate, borrower):
        complaint = ComplaintFactory(filer=borrower, status=S.SUBMITTED)
        client.force_login(advocate)

        response = client.post(
            reverse("complaints:transition", args=[complaint.reference]), {"to_status": S.UNDER_REVIEW}
        )

        assert response.status_code == 302
        complaint.refresh_from_db()
        assert complaint.status == S.UNDER_REVIEW

    def test_a_refused_move_is_a_message_not_a_500(self, client, borrower):
        complaint = ComplaintFactory(filer=borrower, status=S.SUBMITTED)
        client.force_login(borrower)

        response = client.post(
            reverse("complaints:transition", args=[complaint.reference]),
            {"to_status": S.RESOLVED},
            follow=True,
        )

        assert response.status_code == 200
        assert "不能从" in response.content.decode()
        complaint.refresh_from_db()
        assert complaint.status == S.SUBMITTED

    def test_an_unknown_status_is_refused(self, client, borrower):
        complaint = ComplaintFactory(filer=borrower, status=S.SUBMITTED)
        client.force_login(borrower)

        response = client.post(
            reverse("complaints:transition", args=[complaint.reference]),
            {"to_status": "escalated"},
            follow=True,
        )

        assert response.status_code == 200
        complaint.refresh_from_db()
        assert complaint.status == S.SUBMITTED

    def test_it_rejects_get(self, client, borrower):
        complaint = ComplaintFactory(filer=borrower, status=S.SUBMITTED)
        client.force_login(borrower)

        assert client.get(reverse("complaints:transition", args=[complaint.reference])).status_code == 405

    def test_the_detail_page_offers_only_allowed_moves(self, client, borrower):
        complaint = ComplaintFactory(filer=borrower, status=S.SUBMITTED)
        client.force_login(borrower)

        page = client.get(complaint.get_absolute_url()).content.decode()

        assert f'name="to_status" value="{S.CLOSED}"' in page
        assert f'name="to_status" value="{S.UNDER_REVIEW}"' not in page
        # Going to the lender is recorded as an escalation, not with a bare status button.
        assert f'name="to_status" value="{S.WAITING_LENDER}"' not in page


def test_a_discarded_draft_can_be_reopened_only_when_ready(borrower):
    complaint = ComplaintFactory(filer=consented(borrower), status=S.DRAFT, summary="")
    services.complaint_transition(complaint=complaint, actor=borrower, to_status=S.CLOSED)

    with pytest.raises(services.ComplaintError):
        services.complaint_transition(
            complaint=complaint, actor=borrower, to_status=S.SUBMITTED, note="重新提交"
        )
    complaint.refresh_from_db()
    assert complaint.status == S.CLOSED

    complaint.summary = "补充了描述"
    complaint.save()
    IncidentFactory(complaint=complaint)
    services.complaint_transition(complaint=complaint, actor=borrower, to_status=S.SUBMITTED, note="重新提交")

    complaint.refresh_from_db()
    assert complaint.status == S.SUBMITTED
    assert complaint.submitted_at is not None


def test_an_incident_on_the_timeline_reads_in_the_readers_language(client, borrower):
    complaint = ComplaintFactory(filer=borrower, status=S.SUBMITTED)
    services.incident_add(
        complaint=complaint,
        actor=borrower,
        data={
            "occurred_at": complaint.created,
            "channel": "call",
            "kind": "night_calls",
            "contacted": "self",
        },
    )
    client.force_login(borrower)

    chinese = client.get(complaint.get_absolute_url()).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(complaint.get_absolute_url()).content.decode()

    assert "夜间联系" in chinese
    assert "Contact at night" in english
    assert "夜间联系" not in english


@pytest.mark.parametrize("dst", [S.WAITING_LENDER, S.WAITING_REGULATOR])
def test_waiting_for_an_answer_comes_only_with_an_escalation(client, borrower, advocate, dst):
    """A hand-made POST to the transition URL once set "waiting for the lender" with no
    escalation, no deadline and no reminder: the button was only hidden."""
    complaint = ComplaintFactory(filer=borrower, status=S.UNDER_REVIEW)
    client.force_login(advocate)

    client.post(reverse("complaints:transition", args=[complaint.reference]), {"to_status": dst})

    complaint.refresh_from_db()
    assert complaint.status == S.UNDER_REVIEW
    with pytest.raises(services.ComplaintError):
        services.complaint_transition(complaint=complaint, actor=advocate, to_status=dst)
    assert dst not in workflow.targets_for(S.UNDER_REVIEW, frozenset({workflow.CASEWORKER}))


def test_submitting_needs_the_recorded_consent_from_any_path(borrower):
    """Only the filing view checked it; the service now does, for every caller."""
    complaint = ComplaintFactory(filer=borrower, status=S.DRAFT, summary="催收打给我父母")
    IncidentFactory(complaint=complaint)

    with pytest.raises(services.ComplaintError):
        services.complaint_submit(complaint=complaint, actor=borrower)
    complaint.refresh_from_db()
    assert complaint.status == S.DRAFT

    consent_record(user=borrower, purpose=Consent.Purpose.SENSITIVE)
    services.complaint_submit(complaint=complaint, actor=borrower)
    complaint.refresh_from_db()
    assert complaint.status == S.SUBMITTED


def test_a_status_change_is_in_the_audit_trail_whoever_causes_it(borrower):
    from audit.models import Action, AuditEvent
    from escalations.services import escalation_record

    complaint = ComplaintFactory(filer=borrower, status=S.SUBMITTED)

    escalation_record(
        complaint=complaint,
        actor=borrower,
        lender=complaint.lender,
        channel="hotline",
        sent_at=timezone.now(),
        now=timezone.now(),
    )

    complaint.refresh_from_db()
    assert complaint.status == S.WAITING_LENDER
    event = AuditEvent.objects.get(complaint=complaint, action=Action.STATUS_CHANGE)
    assert event.detail == S.WAITING_LENDER and event.actor == borrower


def test_a_close_without_a_reason_comes_back_on_its_button(client, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    client.force_login(borrower)

    response = client.post(
        reverse("complaints:transition", args=[complaint.reference]),
        {"to_status": Status.CLOSED, "note": "   "},
    )

    assert response.status_code == 200
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED
    html = response.content.decode()
    assert 'id="other-actions" open' in html
    form = html[html.index(f'id="action-{Status.CLOSED}"') :]
    assert "alert-danger" in form[: form.index("</form>")]
