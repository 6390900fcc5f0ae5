"""Escalations: the complaint was sent to its lender or a regulator, and what came back.

Every function here is a service in the sense of complaints/services.py: keyword-only,
it locks the complaint, checks who acts and the escalation's state, raises
ComplaintError with a message for the user, writes the timeline and keeps
`Complaint.next_due_at` right, all in one transaction.

`Complaint.next_due_at` is the earliest due date among the complaint's escalations still
waiting for an answer (sent, acknowledged or overdue). Each service that changes an
escalation's status or due date recomputes it from the rows, never by arithmetic on the
old value, so a missed update heals at the next change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Min, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import permissions, workflow
from complaints.models import (
    COMPLAINTS_VERSION,
    BrandFunder,
    Complaint,
    Institution,
    Lender,
    LicenceType,
    Status,
    TimelineEvent,
)
from complaints.services import ComplaintError, complaint_transition, timeline_log
from evidence.models import Evidence
from lib import versions
from lib.china import CHINA_TZ
from lib.china import china_day as _china_day
from lib.dates import EARLIEST_DAY, too_early_message
from regulators.models import Regulator

from . import workflow as escalation_workflow
from .models import (
    AWAITING_STATUSES,
    Escalation,
    EscalationChannel,
    EscalationStatus,
)
from .timeline_text import target_params
from .workdays import WorkingCalendar, estimate_reason

# TimelineEvent has no kind for escalations yet (complaints/models.py is not ours to
# change). Until it has, escalation entries are "details edited" with a note that says
# what happened; switching to a dedicated kind is this one line.
ESCALATION_EVENT = TimelineEvent.Kind.ESCALATION

# The lender's deadline. Domain notes: 《银行业保险业消费投诉处理管理办法》(原银保监会令2020年
# 第3号, in force 2020-03-01): 15 days from receipt to decide and tell the complainant,
# up to 30 when complex. The article number is unconfirmed (likely Art 20), and the rule
# binds banking and insurance institutions only, so for other lenders it is a yardstick.
LENDER_DEADLINE_DAYS = 15
BOUND_BY_LENDER_RULE = frozenset({LicenceType.BANK, LicenceType.CONSUMER_FINANCE})
LENDER_DEADLINE_BASIS = (
    "《银行业保险业消费投诉处理管理办法》（原银保监会令2020年第3号）：自收到投诉之日起15日内作出处理决定并告知投诉人，"
    "情况复杂的可延长至30日。条款序号未经核实（可能为第二十条）。 / "
    "Rules on handling consumer complaints in banking and insurance (CBIRC Order 2020 No. 3): "
    "15 days from receipt, up to 30 when complex. Article number unconfirmed (likely Art 20)."
)
LENDER_DEADLINE_NOT_BINDING = (
    "该办法适用于银行业保险业机构；本贷款机构未登记为银行或消费金融公司，15日仅作参照。 / "
    "The rule binds banks and insurers; this lender is not recorded as a bank or consumer finance "
    "company, so 15 days is a yardstick only."
)
# A date typed in a form has no time; "sent today" must not be refused because the
# clocks of the browser and the server disagree by a minute.
FUTURE_SLACK = timedelta(minutes=10)


@dataclass(frozen=True)
class Deadline:
    days: int | None
    working_days: bool
    basis: str


def deadline_for(
    *,
    lender: Lender | None = None,
    regulator: Regulator | None = None,
    institution: Institution | None = None,
) -> Deadline:
    """The deadline rule of a target, as the directory (or the lender rule) states it now."""
    if regulator is not None:
        basis = regulator.deadline_rule
        if regulator.deadline_source:
            basis = f"{basis} ({regulator.deadline_source})" if basis else regulator.deadline_source
        return Deadline(regulator.deadline_days, regulator.deadline_working_days, basis)
    party = institution or lender
    if party is None:
        raise ValueError("a lender, an institution or a regulator")
    basis = LENDER_DEADLINE_BASIS
    if party.licence_type not in BOUND_BY_LENDER_RULE:
        basis = f"{basis}\n{LENDER_DEADLINE_NOT_BINDING}"
    return Deadline(LENDER_DEADLINE_DAYS, False, basis)


def end_of_day(day: date) -> datetime:
    """The last second of `day` in China: a deadline runs to 24:00 (Civil Code Art 203)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=CHINA_TZ)


def compute_due_at(
    deadline: Deadline, *, received_at: datetime, calendar: WorkingCalendar | None = None
) -> datetime | None:
    """When the answer is due for a complaint the body received at `received_at`.

    The day of receipt does not count. Working days skip weekends, public holidays and
    count make-up working days (see escalations.workdays); a calendar-day period that
    ends on a rest day moves to the next working day.
    """
    if deadline.days is None:
        return None
    calendar = calendar or WorkingCalendar()
    start = _china_day(received_at)
    if deadline.working_days:
        due = calendar.add_working_days(start, deadline.days)
    else:
        due = calendar.add_calendar_days(start, deadline.days)
    return end_of_day(due)


def target_name(escalation: Escalation) -> str:
    return escalation.target_name


# --- Reads for reminders (notifications app) --------------------------------------------


def awaiting_answer(*, due_before: datetime) -> QuerySet[Escalation]:
    """Escalations still waiting for an answer that is due before `due_before`."""
    return Escalation.objects.filter(
        status__in=AWAITING_STATUSES, due_at__isnull=False, due_at__lt=due_before
    ).select_related("complaint", "complaint__filer", "complaint__assignee", "lender", "regulator")


def answered_ids_subquery() -> QuerySet[Escalation]:
    """For `Exists(...)` on rows whose `object_id` is an escalation's pk: true once that
    escalation no longer waits for an answer (answered or closed)."""
    return Escalation.objects.filter(pk=OuterRef("object_id")).exclude(status__in=AWAITING_STATUSES)


def refresh_next_due(complaint: Complaint) -> datetime | None:
    """Recompute `Complaint.next_due_at` from the escalations still waiting for an answer.

    A plain UPDATE of that one column: the caller holds the complaint's row lock, and
    other fields a concurrent request may have saved are left alone.
    """
    due = Escalation.objects.filter(
        complaint_id=complaint.pk, status__in=AWAITING_STATUSES, due_at__isnull=False
    ).aggregate(due=Min("due_at"))["due"]
    Complaint.objects.filter(pk=complaint.pk).update(next_due_at=due)
    versions.bump(COMPLAINTS_VERSION)  # the queue's "overdue" counts
    complaint.next_due_at = due
    return due


def complaint_institution_ids(complaint: Complaint) -> set[int]:
    """Institutions a complaint may be sent to: its funder, the brand's operator, and the
    brand's current funders (the route names the only one when the borrower has not)."""
    ids = {complaint.funding_institution_id, complaint.lender.operator_id}
    ids |= set(
        BrandFunder.objects.filter(
            BrandFunder.current_q(timezone.localdate()), brand_id=complaint.lender_id
        ).values_list("institution_id", flat=True)
    )
    return {pk for pk in ids if pk is not None}


def _lock(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _check_target(
    complaint: Complaint, lender: Lender | None, regulator: Regulator | None, institution: Institution | None
) -> None:
    if sum(target is not None for target in (lender, regulator, institution)) != 1:
        raise ComplaintError(_("Choose where the complaint was sent: the lender or one regulator."))
    if lender is not None and lender.pk != complaint.lender_id:
        raise ComplaintError(_("That lender is not the one this complaint is about."))
    if institution is not None and institution.pk not in complaint_institution_ids(complaint):
        raise ComplaintError(_("That lender is not the one this complaint is about."))
    if regulator is not None and not regulator.active:
        raise ComplaintError(_("That regulator is no longer in the directory."))


def _check_not_future(moment: datetime, now: datetime) -> None:
    """From 2000 up to now: year 1 passed here once and was stored as when it was sent."""
    if moment.year < EARLIEST_DAY.year:
        raise ComplaintError(too_early_message())
    if moment > now + FUTURE_SLACK:
        raise ComplaintError(_("That date is in the future."))


def _fmt_day(moment: datetime) -> str:
    return f"{_china_day(moment):%Y-%m-%d}"


def _due_params(escalation: Escalation) -> dict[str, Any]:
    """The reference and the due date for the timeline (escalations/timeline_text.py); a
    due date is marked when it is an estimate (escalations.workdays.estimate_reason)."""
    params: dict[str, Any] = {"reference": escalation.reference}
    if escalation.due_at:
        params.update(due=_fmt_day(escalation.due_at), due_estimate=bool(estimate_reason(escalation.due_at)))
    return params


def _sent_params(escalation: Escalation) -> dict[str, Any]:
    return {
        **target_params(escalation),
        "channel": escalation.channel,
        "date": _fmt_day(escalation.sent_at),
        **_due_params(escalation),
    }


def _send(*, escalation: Escalation, complaint: Complaint, actor: Any, now: datetime) -> Escalation:
    """Shared by recording a sent escalation and sending a drafted one."""
    deadline = deadline_for(
        lender=escalation.lender, regulator=escalation.regulator, institution=escalation.institution
    )
    escalation.due_at = compute_due_at(deadline, received_at=escalation.sent_at)
    escalation.deadline_basis = deadline.basis
    escalation.deadline_days, escalation.deadline_working_days = deadline.days, deadline.working_days
    escalation_workflow.move(
        escalation,
        EscalationStatus.SENT,
        fields=[
            "due_at",
            "deadline_basis",
            "deadline_days",
            "deadline_working_days",
            "sent_at",
            "channel",
            "reference",
        ],
    )
    wanted = Status.WAITING_REGULATOR if escalation.regulator_id else Status.WAITING_LENDER
    # The complaint follows where it was sent when the workflow lets this actor move it
    # there. Otherwise (a lender letter after the regulator stage, a borrower going to a
    # regulator straight from "submitted") the escalation is recorded and the status
    # stays: the record matters more than the label.
    if complaint.status != wanted and workflow.is_allowed(
        complaint.status, wanted, permissions.actor_kinds(actor, complaint)
    ):
        complaint_transition(complaint=complaint, actor=actor, to_status=wanted, now=now, by_escalation=True)
    timeline_log(
        complaint,
        kind=ESCALATION_EVENT,
        actor=actor,
        now=now,
        code="esc_sent",
        params=_sent_params(escalation),
    )
    refresh_next_due(complaint)
    return escalation


@transaction.atomic
def escalation_record(
    *,
    complaint: Complaint,
    actor: Any,
    lender: Lender | None = None,
    regulator: Regulator | None = None,
    institution: Institution | None = None,
    channel: str,
    sent_at: datetime | None,
    reference: str = "",
    now: datetime,
) -> Escalation:
    """Record that the complaint was sent to `lender` (the brand), `institution` (the lender
    of record or the platform's operator) or `regulator`: exactly one.

    Preconditions: the actor is the filer or a caseworker and the complaint is open.
    With `sent_at`, computes the due date from the target's deadline rule, moves the
    complaint to "waiting for the lender" or "waiting for a regulator" where allowed,
    writes the timeline and recomputes `next_due_at`. Without `sent_at` the escalation
    is only drafted: no deadline runs and the status stays.
    """
    complaint = _lock(complaint)
    if not permissions.can_record_escalation(actor, complaint):
        raise ComplaintError(_("You cannot record escalations for this complaint."))
    _check_target(complaint, lender, regulator, institution)
    if channel not in EscalationChannel.values:
        raise ComplaintError(_("Choose how the complaint was sent."))
    # A second record for a body that still owes an answer would start a second clock and
    # a second set of reminders for the same complaint.
    waiting = Escalation.objects.filter(complaint=complaint, status__in=AWAITING_STATUSES)
    if regulator is not None:
        waiting = waiting.filter(regulator=regulator)
    elif institution is not None:
        waiting = waiting.filter(institution=institution)
    else:
        waiting = waiting.filter(lender=lender, regulator__isnull=True, institution__isnull=True)
    if sent_at is not None and waiting.exists():
        raise ComplaintError(
            _(
                "This complaint already waits for an answer from there. Record the answer, or close that escalation first."
            )
        )
    escalation = Escalation(
        complaint=complaint,
        lender=lender,
        regulator=regulator,
        institution=institution,
        channel=channel,
        reference=(reference or "").strip()[:80],
        created_by=actor,
        created=now,
    )
    if sent_at is None:
        escalation_workflow.move(escalation, EscalationStatus.DRAFTED)
        timeline_log(
            complaint,
            kind=ESCALATION_EVENT,
            actor=actor,
            now=now,
            code="esc_drafted",
            params=target_params(escalation),
        )
        return escalation
    _check_not_future(sent_at, now)
    escalation.sent_at = sent_at
    return _send(escalation=escalation, complaint=complaint, actor=actor, now=now)


def _lock_escalation(escalation: Escalation, actor: Any, *, rule: Any) -> tuple[Escalation, Complaint]:
    # The complaint first, always: every escalation service locks in the same order.
    complaint = _lock(escalation.complaint)
    escalation = (
        # Only the escalation's row: PostgreSQL cannot lock the nullable side of the
        # outer joins that fetch the lender or regulator.
        Escalation.objects.select_for_update(of=("self",))
        .select_related("lender", "regulator")
        .get(pk=escalation.pk, complaint=complaint)
    )
    if not rule(actor, complaint):
        raise ComplaintError(_("You cannot change this escalation."))
    return escalation, complaint


@transaction.atomic
def escalation_mark_sent(
    *,
    escalation: Escalation,
    actor: Any,
    sent_at: datetime,
    channel: str = "",
    reference: str = "",
    now: datetime,
) -> Escalation:
    """A drafted escalation was sent: its deadline starts to run (see escalation_record)."""
    escalation, complaint = _lock_escalation(escalation, actor, rule=permissions.can_record_escalation)
    if escalation.status != EscalationStatus.DRAFTED:
        raise ComplaintError(_("This escalation was already sent."))
    if channel:
        if channel not in EscalationChannel.values:
            raise ComplaintError(_("Choose how the complaint was sent."))
        escalation.channel = channel
    if reference.strip():
        escalation.reference = reference.strip()[:80]
    _check_not_future(sent_at, now)
    escalation.sent_at = sent_at
    return _send(escalation=escalation, complaint=complaint, actor=actor, now=now)


@transaction.atomic
def escalation_email_sent(*, escalation: Escalation, actor: Any, now: datetime) -> Escalation:
    """The app's email with the letter has left (escalations.sending): the drafted
    escalation becomes sent by email at `now`, and its deadline starts to run.

    No permission check: the filer confirmed the sending (permissions.can_send_from_app)
    before it was queued, and what has left must be recorded even if the complaint was
    closed meanwhile. Doing it twice records it once.
    """
    complaint = _lock(escalation.complaint)
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("lender", "regulator", "institution")
        .get(pk=escalation.pk, complaint=complaint)
    )
    if escalation.status != EscalationStatus.DRAFTED:
        return escalation
    escalation.channel = EscalationChannel.EMAIL
    escalation.sent_at = now
    return _send(escalation=escalation, complaint=complaint, actor=actor, now=now)


@transaction.atomic
def escalation_acknowledge(
    *,
    escalation: Escalation,
    actor: Any,
    received_at: datetime,
    reference: str = "",
    now: datetime,
) -> Escalation:
    """The body confirmed it received the complaint (and often gave a reference number).

    Deadlines run from receipt: when the body received it later than it was sent (a
    letter by post), the due date moves accordingly; it never moves earlier.
    """
    escalation, complaint = _lock_escalation(escalation, actor, rule=permissions.can_update_escalation)
    if escalation.status != EscalationStatus.SENT:
        raise ComplaintError(_("Only an escalation that waits for its first answer can be acknowledged."))
    _check_not_future(received_at, now)
    if _china_day(received_at) < _china_day(escalation.sent_at):
        raise ComplaintError(_("It cannot have been received before it was sent."))
    escalation.acknowledged_at = received_at
    if reference.strip():
        escalation.reference = reference.strip()[:80]
    deadline = deadline_for(
        lender=escalation.lender, regulator=escalation.regulator, institution=escalation.institution
    )
    later_due = compute_due_at(deadline, received_at=received_at)
    if later_due is not None and (escalation.due_at is None or later_due > escalation.due_at):
        escalation.due_at = later_due
    escalation_workflow.move(
        escalation, EscalationStatus.ACKNOWLEDGED, fields=["acknowledged_at", "reference", "due_at"]
    )
    params = {**target_params(escalation), "date": _fmt_day(received_at), **_due_params(escalation)}
    timeline_log(
        complaint, kind=ESCALATION_EVENT, actor=actor, now=now, code="esc_acknowledged", params=params
    )
    refresh_next_due(complaint)
    return escalation


@transaction.atomic
def escalation_record_answer(
    *,
    escalation: Escalation,
    actor: Any,
    answer: str,
    answered_at: datetime,
    satisfied: bool | None = None,
    document: Evidence | None = None,
    now: datetime,
) -> Escalation:
    """The body answered. Stops its clock: `next_due_at` no longer counts it.

    `document` is an evidence file of this complaint (uploaded through the evidence
    rules first, see regulators.views.escalation_answer). The complaint's status is left
    to the people: an answer may resolve it, or lead to the next body.
    """
    escalation, complaint = _lock_escalation(escalation, actor, rule=permissions.can_update_escalation)
    if escalation.status not in AWAITING_STATUSES:
        raise ComplaintError(_("This escalation is not waiting for an answer."))
    answer = (answer or "").strip()
    if not answer and document is None:
        raise ComplaintError(_("Write down the answer or attach the document they sent."))
    _check_not_future(answered_at, now)
    if _china_day(answered_at) < _china_day(escalation.sent_at):
        raise ComplaintError(_("The answer cannot have come before the complaint was sent."))
    if escalation.acknowledged_at and _china_day(answered_at) < _china_day(escalation.acknowledged_at):
        raise ComplaintError(_("The answer cannot have come before they received the complaint."))
    if document is not None and (document.complaint_id != complaint.pk or document.is_withdrawn):
        raise ComplaintError(_("That document is not part of this complaint."))
    escalation.answer = answer[:5000]
    escalation.answered_at = answered_at
    escalation.satisfied = satisfied
    escalation.answer_document = document
    escalation_workflow.move(
        escalation,
        EscalationStatus.ANSWERED,
        fields=["answer", "answered_at", "satisfied", "answer_document"],
    )
    timeline_log(
        complaint,
        kind=TimelineEvent.Kind.ANSWER,
        actor=actor,
        now=now,
        code="esc_answered",
        params={**target_params(escalation), "date": _fmt_day(answered_at), "satisfied": satisfied},
    )
    refresh_next_due(complaint)
    return escalation


@transaction.atomic
def escalation_close(*, escalation: Escalation, actor: Any, note: str = "", now: datetime) -> Escalation:
    """Nothing more is expected from this body: answered and done, or given up on.

    Closing one that was never answered needs a reason, for whoever reads the case later.
    """
    escalation, complaint = _lock_escalation(escalation, actor, rule=permissions.can_update_escalation)
    if escalation.status == EscalationStatus.CLOSED:
        raise ComplaintError(_("This escalation is already closed."))
    note = (note or "").strip()
    if escalation.status != EscalationStatus.ANSWERED and not note:
        raise ComplaintError(_("Please say why you close it without an answer."))
    escalation.closed_at = now
    escalation_workflow.move(escalation, EscalationStatus.CLOSED, fields=["closed_at"])
    timeline_log(
        complaint,
        kind=ESCALATION_EVENT,
        actor=actor,
        now=now,
        code="esc_closed",
        params=target_params(escalation),
        note=note[:2000],
    )
    refresh_next_due(complaint)
    return escalation


def escalations_mark_overdue(*, now: datetime) -> int:
    """Mark escalations whose answer is late; returns how many this run marked.

    Each row is claimed with a conditional UPDATE on its old status, so two sweeps at
    once (or a second run) mark and log each escalation once. `next_due_at` does not
    change: an overdue answer is still awaited.
    """
    marked = 0
    candidates = Escalation.objects.filter(
        status__in=escalation_workflow.sources_of(EscalationStatus.OVERDUE), due_at__lt=now
    ).values_list("pk", "status")
    for pk, old_status in list(candidates):
        with transaction.atomic():
            claimed = Escalation.objects.filter(pk=pk, status=old_status, due_at__lt=now).update(
                status=EscalationStatus.OVERDUE, updated=now
            )
            if claimed != 1:
                continue
            escalation = Escalation.objects.select_related("complaint", "lender", "regulator").get(pk=pk)
            timeline_log(
                escalation.complaint,
                kind=ESCALATION_EVENT,
                actor=None,
                now=now,
                code="esc_overdue",
                params={**target_params(escalation), "date": _fmt_day(escalation.due_at)},
            )
            marked += 1
    return marked
