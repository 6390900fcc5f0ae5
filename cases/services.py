"""What advocates do to a case. Each action checks the role, changes one thing and lands
on the timeline; entries the borrower must not see are marked internal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_record
from complaints import hooks, permissions
from complaints.models import COMPLAINTS_VERSION, Complaint, TimelineEvent
from complaints.services import ComplaintError, case_activity_emit, timeline_log
from evidence.models import Evidence
from lib import versions

from .models import EvidenceReview, InfoRequest


def _require_caseworker(actor: Any, complaint: Complaint) -> None:
    if not permissions.can_work_on_case(actor, complaint):
        raise ComplaintError(_("Only advocates and administrators can do this."))


@transaction.atomic
def case_assign(
    *, complaint: Complaint, actor: Any, assignee_id: int | None, now: datetime | None = None
) -> Complaint:
    """Take a case (assignee = actor), hand it to another caseworker, or release it (None)."""
    now = now or timezone.now()
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    _require_caseworker(actor, complaint)
    assignee = None
    if assignee_id is not None:
        assignee = get_user_model().objects.filter(pk=assignee_id, is_active=True).first()
        if assignee is None or not assignee.is_caseworker:
            raise ComplaintError(_("A case can only be assigned to an advocate or an administrator."))
    if complaint.assignee_id == (assignee.pk if assignee else None):
        raise ComplaintError(_("Nothing changed: the case already has this assignee."))
    complaint.assignee = assignee
    complaint.save(update_fields=["assignee", "updated"])
    versions.bump(COMPLAINTS_VERSION)
    # Borrowers see that someone took the case, not who: volunteers keep their privacy.
    code = "case_assigned" if assignee else "case_released"
    timeline_log(complaint, kind=TimelineEvent.Kind.ASSIGNMENT, actor=actor, now=now, code=code)
    return complaint


@transaction.atomic
def case_add_note(
    *, complaint: Complaint, actor: Any, text: str, now: datetime | None = None
) -> TimelineEvent:
    now = now or timezone.now()
    _require_caseworker(actor, complaint)
    text = (text or "").strip()
    if not text:
        raise ComplaintError(_("The note is empty."))
    return timeline_log(
        complaint, kind=TimelineEvent.Kind.NOTE, actor=actor, now=now, note=text[:2000], internal=True
    )


@transaction.atomic
def info_request_create(
    *, complaint: Complaint, actor: Any, message: str, now: datetime | None = None
) -> InfoRequest:
    """Ask the borrower for more; the complaint shows as waiting for the borrower until answered."""
    now = now or timezone.now()
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    _require_caseworker(actor, complaint)
    message = (message or "").strip()
    if not message:
        raise ComplaintError(_("Say what you need from the borrower."))
    request = InfoRequest.objects.create(
        complaint=complaint, message=message[:2000], requested_by=actor, created=now
    )
    if complaint.waiting_for_borrower_since is None:
        complaint.waiting_for_borrower_since = now
        complaint.save(update_fields=["waiting_for_borrower_since", "updated"])
        versions.bump(COMPLAINTS_VERSION)
    timeline_log(
        complaint, kind=TimelineEvent.Kind.INFO_REQUESTED, actor=actor, now=now, note=request.message
    )
    # The advocate wrote it for the borrower; the notice carries its start, the page the rest.
    text = request.message if len(request.message) <= 300 else request.message[:299] + "…"
    case_activity_emit(hooks.Activity.INFO_REQUESTED, complaint, actor, now, request.pk, detail=text)
    return request


@transaction.atomic
def info_request_answer(
    *, request: InfoRequest, actor: Any, response: str, now: datetime | None = None
) -> InfoRequest:
    now = now or timezone.now()
    complaint = Complaint.objects.select_for_update().get(pk=request.complaint_id)
    if not permissions.can_answer_info_request(actor, complaint):
        raise ComplaintError(_("Only the person who filed the complaint can answer."))
    request = InfoRequest.objects.select_for_update().get(pk=request.pk)
    if not request.is_open:
        raise ComplaintError(_("This request was already answered."))
    response = (response or "").strip()
    if not response:
        raise ComplaintError(_("Please write an answer, even a short one such as “uploaded”."))
    request.response = response[:5000]
    request.answered_at = now
    request.save(update_fields=["response", "answered_at"])
    if not complaint.info_requests.filter(answered_at__isnull=True).exists():
        complaint.waiting_for_borrower_since = None
        complaint.save(update_fields=["waiting_for_borrower_since", "updated"])
        versions.bump(COMPLAINTS_VERSION)
    timeline_log(
        complaint, kind=TimelineEvent.Kind.INFO_PROVIDED, actor=actor, now=now, note=request.response
    )
    # Not the answer itself: it may say anything about the borrower's life, and notices
    # travel by email.
    case_activity_emit(hooks.Activity.INFO_ANSWERED, complaint, actor, now, request.pk)
    return request


@transaction.atomic
def evidence_review(
    *, evidence: Evidence, actor: Any, usable: bool, reason: str = "", now: datetime | None = None
) -> EvidenceReview:
    now = now or timezone.now()
    complaint = evidence.complaint
    _require_caseworker(actor, complaint)
    reason = (reason or "").strip()
    if not usable and not reason:
        raise ComplaintError(_("Say why the file cannot be used, so the borrower can do better."))
    review = EvidenceReview.objects.create(
        evidence=evidence, usable=usable, reason=reason[:300], reviewer=actor, created=now
    )
    # The file's name and the reason are as typed; only the verdict is the system's words.
    timeline_log(
        complaint,
        kind=TimelineEvent.Kind.EVIDENCE_REVIEWED,
        actor=actor,
        now=now,
        code="evidence_reviewed",
        params={"name": evidence.original_name, "usable": usable},
        note=reason[:300],
        internal=True,
    )
    return review


def case_open(*, complaint: Complaint, actor: Any) -> bool:
    """An advocate or admin opened the case: in the audit trail (the borrower sees who
    looked at their case). The filer opening their own complaint is not recorded."""
    if not permissions.can_work_on_case(actor, complaint):
        return False
    audit_record(actor=actor, action=Action.VIEW_CASE, complaint=complaint)
    return True
