"""Escalation services: due dates, the complaint's status, the timeline and next_due_at."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Exists, F
from django.utils import timezone

from complaints.models import LicenceType, Status, TimelineEvent
from complaints.services import ComplaintError
from escalations import services as svc
from escalations.models import Escalation, EscalationChannel, EscalationStatus
from lib.china import CHINA_TZ
from tests.factories import (
    ComplaintFactory,
    IncidentFactory,
    InstitutionFactory,
    LenderFactory,
    RegulatorFactory,
)

pytestmark = pytest.mark.django_db

CST = CHINA_TZ
# Friday 6 November 2026, 10:00 in Beijing.
SENT = datetime(2026, 11, 6, 10, 0, tzinfo=CST)
NOW = SENT + timedelta(hours=1)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=CST)


@pytest.fixture
def bank():
    return LenderFactory(name="某某银行", licence_type=LicenceType.BANK)


@pytest.fixture
def complaint(borrower, bank):
    complaint = ComplaintFactory(filer=borrower, lender=bank, status=Status.SUBMITTED)
    IncidentFactory(complaint=complaint)
    return complaint


@pytest.fixture
def nfra():
    return RegulatorFactory(
        kind="nfra", name_zh="国家金融监督管理总局", deadline_days=15, deadline_working_days=True
    )


def record(complaint, actor, *, sent_at=SENT, now=NOW, **target):
    return svc.escalation_record(
        complaint=complaint,
        actor=actor,
        channel=EscalationChannel.HOTLINE,
        sent_at=sent_at,
        reference="T-123",
        now=now,
        **target,
    )


def test_it_gives_the_lender_fifteen_calendar_days(complaint, borrower, bank):
    escalation = record(complaint, borrower, lender=bank)

    escalation.refresh_from_db()
    complaint.refresh_from_db()
    # 6 Nov + 15 days = Saturday 21 Nov, a rest day: due Monday 23 Nov.
    assert escalation.due_at == end_of(2026, 11, 23)
    assert escalation.status == EscalationStatus.SENT
    assert "15日" in escalation.deadline_basis and "未经核实" in escalation.deadline_basis
    assert complaint.status == Status.WAITING_LENDER
    assert complaint.next_due_at == escalation.due_at


def test_it_writes_the_timeline(complaint, borrower, bank):
    record(complaint, borrower, lender=bank)

    events = list(complaint.events.order_by("created", "pk"))
    assert [e.kind for e in events] == [TimelineEvent.Kind.STATUS, svc.ESCALATION_EVENT]
    assert events[0].to_status == Status.WAITING_LENDER
    assert (
        "某某银行" in events[1].display_note
        and "T-123" in events[1].display_note
        and "2026-11-23" in events[1].display_note
    )


def test_it_counts_working_days_for_a_regulator(complaint, borrower, bank, nfra):
    record(complaint, borrower, lender=bank)
    # Monday 28 September 2026; Golden Week and the make-up Saturday 10 October in between.
    sent = datetime(2026, 9, 28, 9, 0, tzinfo=CST)

    escalation = record(complaint, borrower, regulator=nfra, sent_at=sent, now=NOW)

    complaint.refresh_from_db()
    assert escalation.due_at == end_of(2026, 10, 23)
    assert complaint.status == Status.WAITING_REGULATOR
    # The regulator's answer is due before the lender's (23 November).
    assert complaint.next_due_at == end_of(2026, 10, 23)


def test_it_does_not_move_a_complaint_already_waiting_there(complaint, borrower, bank):
    funder = InstitutionFactory(name="某某消费金融", licence_type=LicenceType.CONSUMER_FINANCE)
    complaint.funding_institution = funder
    complaint.save()
    record(complaint, borrower, lender=bank)

    record(complaint, borrower, institution=funder)

    complaint.refresh_from_db()
    assert complaint.status == Status.WAITING_LENDER
    assert complaint.events.filter(kind=TimelineEvent.Kind.STATUS).count() == 1
    assert complaint.escalations.count() == 2


def test_it_records_without_moving_when_the_workflow_does_not_allow_it(complaint, borrower, nfra):
    # A borrower may not go from "submitted" to "waiting for a regulator" (see workflow).
    escalation = record(complaint, borrower, regulator=nfra)

    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED
    assert escalation.status == EscalationStatus.SENT
    assert not complaint.events.filter(kind=TimelineEvent.Kind.STATUS).exists()
    assert complaint.events.filter(kind=svc.ESCALATION_EVENT).count() == 1


def test_it_lets_an_advocate_record(complaint, advocate, bank):
    record(complaint, advocate, lender=bank)

    complaint.refresh_from_db()
    assert complaint.status == Status.WAITING_LENDER


def test_it_has_no_due_date_without_a_rule(complaint, borrower):
    police = RegulatorFactory(kind="police", deadline_days=None)

    escalation = record(complaint, borrower, regulator=police)

    complaint.refresh_from_db()
    assert escalation.due_at is None
    assert complaint.next_due_at is None


def test_it_calls_fifteen_days_a_yardstick_for_a_non_bank(borrower):
    app = LenderFactory(name="某某App", licence_type=LicenceType.PLATFORM)
    complaint = ComplaintFactory(filer=borrower, lender=app, status=Status.SUBMITTED)

    escalation = record(complaint, borrower, lender=app)

    assert "仅作参照" in escalation.deadline_basis


@pytest.mark.parametrize("who", ["other_borrower", "admin_user_on_draft"])
def test_it_refuses_who_may_not(request, borrower, bank, who):
    if who == "other_borrower":
        complaint = ComplaintFactory(filer=borrower, lender=bank, status=Status.SUBMITTED)
        actor = request.getfixturevalue("other_borrower")
    else:
        complaint = ComplaintFactory(filer=borrower, lender=bank, status=Status.DRAFT)
        actor = request.getfixturevalue("admin_user")

    with pytest.raises(ComplaintError):
        record(complaint, actor, lender=bank)
    assert not Escalation.objects.exists()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.RESOLVED, Status.CLOSED])
def test_it_refuses_a_complaint_that_is_not_open(borrower, bank, status):
    complaint = ComplaintFactory(filer=borrower, lender=bank, status=status)

    with pytest.raises(ComplaintError):
        record(complaint, borrower, lender=bank)


def test_it_refuses_another_lender(complaint, borrower):
    with pytest.raises(ComplaintError):
        record(complaint, borrower, lender=LenderFactory(name="无关银行"))


def test_it_refuses_two_targets_or_none(complaint, borrower, bank, nfra):
    with pytest.raises(ComplaintError):
        record(complaint, borrower, lender=bank, regulator=nfra)
    with pytest.raises(ComplaintError):
        record(complaint, borrower)


def test_it_refuses_a_date_in_the_future(complaint, borrower, bank):
    with pytest.raises(ComplaintError):
        record(complaint, borrower, lender=bank, sent_at=NOW + timedelta(days=1))


def test_the_database_refuses_two_targets(complaint, bank, nfra):
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(
            complaint=complaint, lender=bank, regulator=nfra, channel="hotline", sent_at=SENT
        )


def test_it_drafts_then_sends(complaint, borrower, bank):
    draft = record(complaint, borrower, lender=bank, sent_at=None)
    complaint.refresh_from_db()
    assert draft.status == EscalationStatus.DRAFTED
    assert draft.due_at is None
    assert complaint.status == Status.SUBMITTED

    svc.escalation_mark_sent(escalation=draft, actor=borrower, sent_at=SENT, reference="R9", now=NOW)

    draft.refresh_from_db()
    complaint.refresh_from_db()
    assert draft.status == EscalationStatus.SENT
    assert draft.reference == "R9"
    assert draft.due_at == end_of(2026, 11, 23)
    assert complaint.status == Status.WAITING_LENDER
    assert complaint.next_due_at == draft.due_at


def test_it_moves_the_deadline_when_a_letter_arrives_later(complaint, borrower, bank):
    escalation = record(complaint, borrower, lender=bank)
    received = datetime(2026, 11, 10, 9, 0, tzinfo=CST)

    svc.escalation_acknowledge(
        escalation=escalation, actor=borrower, received_at=received, reference="", now=received
    )

    escalation.refresh_from_db()
    complaint.refresh_from_db()
    # 10 Nov + 15 = Wednesday 25 Nov.
    assert escalation.status == EscalationStatus.ACKNOWLEDGED
    assert escalation.due_at == end_of(2026, 11, 25)
    assert complaint.next_due_at == escalation.due_at


def test_next_due_at_follows_answers_and_closing(complaint, borrower, bank, nfra):
    lender_esc = record(complaint, borrower, lender=bank)  # due 23 Nov
    regulator_esc = record(
        complaint, borrower, regulator=nfra, sent_at=SENT + timedelta(days=3), now=NOW + timedelta(days=3)
    )
    complaint.refresh_from_db()
    assert complaint.next_due_at == end_of(2026, 11, 23)

    svc.escalation_record_answer(
        escalation=lender_esc,
        actor=borrower,
        answer="我们已经停止催收。",
        answered_at=NOW + timedelta(days=5),
        satisfied=False,
        now=NOW + timedelta(days=5),
    )
    complaint.refresh_from_db()
    regulator_esc.refresh_from_db()
    assert complaint.next_due_at == regulator_esc.due_at

    svc.escalation_close(
        escalation=regulator_esc, actor=borrower, note="不再等待", now=NOW + timedelta(days=6)
    )
    complaint.refresh_from_db()
    assert complaint.next_due_at is None


def test_it_records_an_answer(complaint, borrower, bank):
    escalation = record(complaint, borrower, lender=bank)
    later = NOW + timedelta(days=3)

    svc.escalation_record_answer(
        escalation=escalation,
        actor=borrower,
        answer="已核实并整改。",
        answered_at=later,
        satisfied=True,
        now=later,
    )

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ANSWERED
    assert escalation.answer == "已核实并整改。"
    assert escalation.satisfied is True
    assert complaint.events.filter(kind=svc.ESCALATION_EVENT).count() == 1
    assert complaint.events.filter(kind=TimelineEvent.Kind.ANSWER).count() == 1


def test_it_refuses_a_second_answer(complaint, borrower, bank):
    escalation = record(complaint, borrower, lender=bank)
    svc.escalation_record_answer(escalation=escalation, actor=borrower, answer="a", answered_at=NOW, now=NOW)

    with pytest.raises(ComplaintError):
        svc.escalation_record_answer(
            escalation=escalation, actor=borrower, answer="b", answered_at=NOW, now=NOW
        )


def test_it_refuses_an_empty_answer(complaint, borrower, bank):
    escalation = record(complaint, borrower, lender=bank)

    with pytest.raises(ComplaintError):
        svc.escalation_record_answer(
            escalation=escalation, actor=borrower, answer="  ", answered_at=NOW, now=NOW
        )


def test_it_refuses_a_stranger_answering(complaint, borrower, other_borrower, bank):
    escalation = record(complaint, borrower, lender=bank)

    with pytest.raises(ComplaintError):
        svc.escalation_record_answer(
            escalation=escalation, actor=other_borrower, answer="a", answered_at=NOW, now=NOW
        )


def test_it_needs_a_reason_to_close_without_an_answer(complaint, borrower, bank):
    escalation = record(complaint, borrower, lender=bank)

    with pytest.raises(ComplaintError):
        svc.escalation_close(escalation=escalation, actor=borrower, note="", now=NOW)
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.SENT


def test_it_marks_an_overdue_answer_once(complaint, borrower, bank):
    escalation = record(complaint, borrower, lender=bank)
    after = end_of(2026, 11, 23) + timedelta(seconds=1)
    before = end_of(2026, 11, 23)

    assert svc.escalations_mark_overdue(now=before) == 0
    first = svc.escalations_mark_overdue(now=after)
    second = svc.escalations_mark_overdue(now=after)

    escalation.refresh_from_db()
    complaint.refresh_from_db()
    assert (first, second) == (1, 0)
    assert escalation.status == EscalationStatus.OVERDUE
    overdue = complaint.events.filter(kind=svc.ESCALATION_EVENT)
    assert sum("2026-11-23" in e.display_note for e in overdue) == 2
    # Still awaited: it stays the next answer due.
    assert complaint.next_due_at == escalation.due_at


def test_an_overdue_answer_can_still_be_recorded(complaint, borrower, bank):
    escalation = record(complaint, borrower, lender=bank)
    late = end_of(2026, 11, 30)
    svc.escalations_mark_overdue(now=late)

    svc.escalation_record_answer(
        escalation=escalation, actor=borrower, answer="迟到的答复", answered_at=late, now=late
    )

    complaint.refresh_from_db()
    assert complaint.next_due_at is None


def test_it_lists_answers_awaited_before_a_moment(complaint, borrower, bank, nfra):
    lender_esc = record(complaint, borrower, lender=bank)  # due 23 Nov
    police = RegulatorFactory(kind="police", deadline_days=None)
    record(complaint, borrower, regulator=police)  # no deadline: never listed

    assert list(svc.awaiting_answer(due_before=end_of(2026, 11, 23))) == []
    assert list(svc.awaiting_answer(due_before=end_of(2026, 11, 24))) == [lender_esc]


def test_the_answered_subquery_matches_once_no_answer_is_awaited(complaint, borrower, bank):
    escalation = record(complaint, borrower, lender=bank)

    def no_longer_awaited() -> bool:
        # The subquery compares with an outer `object_id`, as a reminder row has.
        rows = Escalation.objects.annotate(object_id=F("pk")).filter(pk=escalation.pk)
        return rows.filter(Exists(svc.answered_ids_subquery())).exists()

    assert not no_longer_awaited()
    svc.escalation_record_answer(escalation=escalation, actor=borrower, answer="好", answered_at=NOW, now=NOW)
    assert no_longer_awaited()


def test_it_names_the_next_step_for_an_overdue_reminder(borrower, bank, seeded):
    complaint = ComplaintFactory(filer=borrower, lender=bank, status=Status.SUBMITTED)
    IncidentFactory(complaint=complaint)

    escalation = record(complaint, borrower, lender=bank)

    assert escalation.next_step_text.startswith("国家金融监督管理总局")
    assert "12378" in escalation.next_step_text


def test_the_next_step_skips_a_body_already_contacted(borrower, bank, seeded):
    complaint = ComplaintFactory(filer=borrower, lender=bank, status=Status.SUBMITTED)
    IncidentFactory(complaint=complaint)
    to_lender = record(complaint, borrower, lender=bank)
    first_next = to_lender.next_step_text
    from regulators.models import Regulator

    already = Regulator.objects.filter(name_zh=first_next.split(" (")[0]).first()
    record(
        complaint, borrower, regulator=already, sent_at=SENT + timedelta(days=1), now=NOW + timedelta(days=1)
    )

    to_lender.refresh_from_db()
    assert to_lender.next_step_text != first_next


def test_a_second_record_for_a_body_that_still_owes_an_answer_is_refused(complaint, borrower, bank):
    record(complaint, borrower, lender=bank)

    with pytest.raises(ComplaintError):
        record(
            complaint, borrower, lender=bank, sent_at=SENT + timedelta(days=1), now=NOW + timedelta(days=1)
        )

    assert complaint.escalations.count() == 1


def test_the_escalation_table_is_the_only_way_between_statuses(letter_case, borrower):
    """Every service goes through escalations.workflow.move; a move the table lacks is refused
    with the reason, and nothing is saved."""
    from complaints.services import ComplaintError
    from escalations import workflow as escalation_workflow

    closed = svc.escalation_record(
        complaint=letter_case,
        actor=borrower,
        lender=letter_case.lender,
        channel="hotline",
        sent_at=timezone.now() - timedelta(days=1),
        now=timezone.now(),
    )
    svc.escalation_close(escalation=closed, actor=borrower, note="已协商", now=timezone.now())

    with pytest.raises(ComplaintError):
        escalation_workflow.move(closed, EscalationStatus.SENT)
    closed.refresh_from_db()
    assert closed.status == EscalationStatus.CLOSED
    assert escalation_workflow.sources_of(EscalationStatus.OVERDUE) == [
        EscalationStatus.ACKNOWLEDGED,
        EscalationStatus.SENT,
    ]
    assert not escalation_workflow.is_allowed(EscalationStatus.ANSWERED, EscalationStatus.OVERDUE)
