"""A year's holiday schedule entered: recount the deadlines still running.

A due date counted before the State Council's schedule was known may be off by the
make-up working days it did not know about (2027-10-06 and -07 counted as working days).
When an admin marks a year entered (or corrects a day), each escalation still waiting
for an answer is counted again from when it was received, with the rule length kept on
it, and the borrower's timeline says when the date moved.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from complaints.models import Complaint
from complaints.services import timeline_log
from lib import versions

from .models import AWAITING_STATUSES, Escalation
from .services import ESCALATION_EVENT, Deadline, _fmt_day, compute_due_at, deadline_for, refresh_next_due
from .timeline_text import target_params
from .workdays import SCHEDULES_VERSION, WorkingCalendar


def _deadline(escalation: Escalation) -> Deadline | None:
    if escalation.deadline_days is not None:
        return Deadline(escalation.deadline_days, escalation.deadline_working_days, escalation.deadline_basis)
    # Recorded before the length was kept: the directory's rule, only if it still reads
    # as it did (a rule edited since must not move a deadline already running).
    deadline = deadline_for(lender=escalation.lender, regulator=escalation.regulator)
    return deadline if deadline.basis == escalation.deadline_basis and deadline.days is not None else None


def deadlines_recount(*, since_year: int, now: datetime) -> list[Escalation]:
    """Count again every due date still awaited from `since_year` on; returns the moved
    ones. Runs after the admin's change is saved (one calendar read for all of them)."""
    versions.bump(SCHEDULES_VERSION)
    calendar = WorkingCalendar()
    moved = []
    candidates = Escalation.objects.filter(
        status__in=AWAITING_STATUSES, due_at__isnull=False, due_at__year__gte=since_year
    ).select_related("lender", "regulator")
    for escalation in candidates:
        deadline = _deadline(escalation)
        if deadline is None:
            continue
        due = compute_due_at(deadline, received_at=escalation.sent_at, calendar=calendar)
        if escalation.acknowledged_at:
            later = compute_due_at(deadline, received_at=escalation.acknowledged_at, calendar=calendar)
            due = max(due, later) if due and later else due
        if due is None or due == escalation.due_at:
            continue
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update().get(pk=escalation.complaint_id)
            updated = Escalation.objects.filter(pk=escalation.pk, due_at=escalation.due_at).update(due_at=due)
            if not updated:
                continue  # changed meanwhile by its own service: that one counted it
            params = {**target_params(escalation), "date": _fmt_day(due), "old": _fmt_day(escalation.due_at)}
            timeline_log(
                complaint, kind=ESCALATION_EVENT, actor=None, now=now, code="esc_rescheduled", params=params
            )
            refresh_next_due(complaint)
        escalation.due_at = due
        moved.append(escalation)
    return moved
