"""Did the harassment stop? Asked when a complaint is finished (resolved or closed), and
again 14 and 60 days later; "the same" or "worse" reopens the case for the advocates.

The asking is run by the notifications sweep (`followups_ask_due`), which then tells the
borrower through their inbox and the channels they chose. The answer is the borrower's
alone (`followup_answer`). One answer per round: a second one replaces the first while
the question is still current, i.e. while the complaint is finished as it was when asked
and no later round has been asked. Once an answer reopened the case, that finishing is
over and its questions with it; when the complaint is finished again, the rounds start
again from that moment (`FollowUp.closed_at`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import hooks, permissions, workflow
from complaints.models import Complaint, Status, TimelineEvent
from complaints.services import ComplaintError, complaint_transition, timeline_log
from lib import versions

from .models import FollowUp

# lib.versions name of follow-up answers: the statistics that read them are cached under it.
FOLLOWUPS_VERSION = "followups"

FINISHED = (Status.RESOLVED, Status.CLOSED)
TEXT_LIMIT = 1000
# Each round is asked from its moment until the next round's (the last one for a month):
# a sweep that missed a moment still asks, and a complaint finished long ago (before this
# feature, or restored from a backup) is not asked three questions at once.
ROUNDS: tuple[tuple[str, timedelta, timedelta], ...] = (
    (FollowUp.Round.AT_CLOSE, timedelta(0), timedelta(days=14)),
    (FollowUp.Round.DAY_14, timedelta(days=14), timedelta(days=60)),
    (FollowUp.Round.DAY_60, timedelta(days=60), timedelta(days=90)),
)
ORDER = [code for code, _start, _end in ROUNDS]
PER_SWEEP = 500


def _finished_complaints() -> QuerySet[Complaint]:
    # A discarded draft (closed, never submitted) was never a case; a filer who left
    # (the inactive placeholder account) cannot be asked.
    return Complaint.objects.filter(status__in=FINISHED, submitted_at__isnull=False, filer__is_active=True)


def followups_ask_due(*, now: datetime, since: datetime | None = None) -> list[int]:
    """Create the questions due now (with `since`, only those that came due after it);
    returns the complaints they were due for (a sweep running at the same moment may
    have created some of them first).

    Idempotent: only questions not yet there are looked for, and the unique (complaint,
    finishing, round) constraint makes a concurrent second insert of one do nothing.
    """
    rows: list[FollowUp] = []
    for code, start, end in ROUNDS:
        asked = FollowUp.objects.filter(
            complaint=OuterRef("pk"), closed_at=OuterRef("status_changed_at"), round=code
        )
        after = now - end if since is None else max(now - end, since - start)
        due = (
            _finished_complaints()
            .filter(status_changed_at__lte=now - start, status_changed_at__gt=after)
            .filter(~Exists(asked))
            .order_by("status_changed_at", "pk")
            .values_list("pk", "status_changed_at")[:PER_SWEEP]
        )
        rows += [
            FollowUp(complaint_id=pk, closed_at=closed_at, round=code, asked_at=now) for pk, closed_at in due
        ]
    if rows:
        FollowUp.objects.bulk_create(rows, ignore_conflicts=True)
    return [row.complaint_id for row in rows]


def followups_to_tell(*, since: datetime) -> QuerySet[FollowUp]:
    """Questions still open, asked since `since`, for the notifications planner."""
    return (
        FollowUp.objects.filter(asked_at__gte=since, answered_at__isnull=True)
        .filter(complaint__status__in=FINISHED, complaint__status_changed_at=F("closed_at"))
        .select_related("complaint__filer")
    )


def is_current(followup: FollowUp, complaint: Complaint) -> bool:
    """Can this question still be answered (or its answer changed)?"""
    if complaint.status not in FINISHED or complaint.status_changed_at != followup.closed_at:
        return False
    later = ORDER[ORDER.index(followup.round) + 1 :]
    return not FollowUp.objects.filter(
        complaint=complaint, closed_at=followup.closed_at, round__in=later
    ).exists()


def open_question(complaint: Complaint) -> FollowUp | None:
    """The question waiting for the borrower's answer on this complaint, if any."""
    if complaint.status not in FINISHED:
        return None
    latest = (
        FollowUp.objects.filter(complaint=complaint, closed_at=complaint.status_changed_at)
        .order_by("-asked_at", "-pk")
        .first()
    )
    return latest if latest is not None and not latest.answer else None


@transaction.atomic
def followup_answer(
    *, followup: FollowUp, actor: Any, answer: str, text: str = "", now: datetime | None = None
) -> FollowUp:
    """Record the borrower's answer. "The same" or "worse" reopens the complaint through
    the status workflow (the filer's "reopen" move, closed or resolved → submitted), which
    writes the timeline and the audit trail; the advocates are told after commit."""
    now = now or timezone.now()
    complaint = Complaint.objects.select_for_update().get(pk=followup.complaint_id)
    if workflow.FILER not in permissions.actor_kinds(actor, complaint):
        raise ComplaintError(_("Only the person who filed the complaint can answer."))
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    if answer not in FollowUp.Answer.values:
        raise ComplaintError(_("Choose one of the answers."))
    text = (text or "").strip()
    if len(text) > TEXT_LIMIT:
        raise ComplaintError(
            _("Please keep it to %(limit)d characters; this has %(length)d.")
            % {"limit": TEXT_LIMIT, "length": len(text)}
        )
    if not is_current(followup, complaint):
        raise ComplaintError(
            _("This question is closed: the complaint was reopened or a newer question was asked.")
        )
    followup.answer = answer
    followup.text = text
    followup.answered_at = now
    said = {"round": followup.round, "answer": answer}
    timeline_log(
        complaint,
        kind=TimelineEvent.Kind.INFO_PROVIDED,
        actor=actor,
        now=now,
        code="followup_answered",
        params=said,
        note=text,
    )
    if followup.harassment_goes_on:
        try:
            complaint = complaint_transition(
                complaint=complaint,
                actor=actor,
                to_status=Status.SUBMITTED,
                code="followup_reopened",
                params=said,
                now=now,
            )
        except ComplaintError:
            # Only if the filer withdrew their consent to sensitive data since: the answer is
            # kept and counted, `reopened_at` stays empty, and the page says what to do.
            pass
        else:
            followup.reopened_at = now
            event = hooks.CaseActivity(
                kind=hooks.Activity.HARASSMENT_CONTINUES,
                complaint=complaint,
                actor=actor,
                at=now,
                object_id=followup.pk,
                detail=answer,
            )
            transaction.on_commit(lambda: hooks.case_activity(event), robust=True)
    followup.save(update_fields=["answer", "text", "answered_at", "reopened_at"])
    versions.bump(FOLLOWUPS_VERSION)
    return followup
