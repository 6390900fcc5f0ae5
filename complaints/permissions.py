"""Who may see and do what with a complaint. Every view asks here; no view decides on its own.

Borrowers see only what they filed. Advocates and admins ("caseworkers") see every
submitted complaint but never another person's draft. Admins alone keep the directory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from accounts.permissions import is_admin, is_caseworker

from . import workflow
from .models import Complaint, Status, registry_revision

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


__all__ = ["is_admin", "is_caseworker"]  # the role checks, re-exported for the apps above


def visible_complaints(user: Any) -> QuerySet[Complaint]:
    if not user.is_authenticated or not user.is_active:
        return Complaint.objects.none()
    if user.is_caseworker:
        # A draft is the borrower's private notebook until they submit it.
        return Complaint.objects.filter(Q(filer=user) | ~Q(status=Status.DRAFT))
    return Complaint.objects.filter(filer=user)


def get_complaint_for_user(request: HttpRequest, reference: str) -> Complaint:
    """The complaint if this user may see it; 404 otherwise.

    404 rather than 403: a stranger must not learn that a reference exists.
    """
    qs = (
        visible_complaints(request.user)
        .select_related("lender", "funding_institution", "filer", "assignee")
        # The page and the letters are cached under it (complaints/revisions.py): read
        # with the row rather than by a query of its own.
        .annotate(registry_revision=registry_revision())
    )
    try:
        return qs.get(reference=reference.upper())
    except Complaint.DoesNotExist:
        raise Http404 from None


def actor_kinds(user: Any, complaint: Complaint) -> frozenset[str]:
    kinds = set()
    if user.is_authenticated and user.is_active:
        if complaint.filer_id == user.pk:
            kinds.add(workflow.FILER)
        if user.is_caseworker and complaint.status != Status.DRAFT:
            kinds.add(workflow.CASEWORKER)
    return frozenset(kinds)


def can_edit_details(user: Any, complaint: Complaint) -> bool:
    """Only the filer edits the facts, and only while it is a draft."""
    return complaint.is_draft and workflow.FILER in actor_kinds(user, complaint)


def can_add_incident(user: Any, complaint: Complaint) -> bool:
    """The filer keeps adding incidents while the complaint lives; caseworkers too."""
    kinds = actor_kinds(user, complaint)
    if workflow.FILER in kinds:
        return complaint.status != Status.CLOSED
    return workflow.CASEWORKER in kinds and complaint.is_open


def allowed_targets(user: Any, complaint: Complaint) -> list[str]:
    return workflow.targets_for(complaint.status, actor_kinds(user, complaint))


def can_see_internal(user: Any, complaint: Complaint) -> bool:
    return workflow.CASEWORKER in actor_kinds(user, complaint)


def can_see_third_party_numbers(user: Any, complaint: Complaint) -> bool:
    """The filer typed them; caseworkers see them masked unless a later rule says so."""
    return workflow.FILER in actor_kinds(user, complaint)


def can_upload_evidence(user: Any, complaint: Complaint) -> bool:
    """Like incidents: the filer until the complaint is closed, caseworkers while it is open."""
    return can_add_incident(user, complaint)


def can_manage_evidence(user: Any, complaint: Complaint) -> bool:
    """Captions, deletion of a draft's files and withdrawal are the filer's decisions."""
    return workflow.FILER in actor_kinds(user, complaint)


def caseworker_complaints(user: Any) -> QuerySet[Complaint]:
    """What the advocates' queue lists: every submitted complaint, never a draft."""
    if not is_caseworker(user):
        return Complaint.objects.none()
    return Complaint.objects.exclude(status=Status.DRAFT)


def can_work_on_case(user: Any, complaint: Complaint) -> bool:
    """Assignment, internal notes, requests to the borrower and evidence review."""
    return workflow.CASEWORKER in actor_kinds(user, complaint)


def can_answer_info_request(user: Any, complaint: Complaint) -> bool:
    return workflow.FILER in actor_kinds(user, complaint)


# --- Escalations and letters (regulators app) ----------------------------------------
# Seeing them needs nothing beyond seeing the complaint (visible_complaints): the filer,
# advocates and admins. These rules decide who records and edits.


def can_record_escalation(user: Any, complaint: Complaint) -> bool:
    """Record that the complaint was sent to the lender or a regulator: the filer and
    caseworkers, while the complaint is open (submitted, not yet resolved or closed)."""
    kinds = actor_kinds(user, complaint)
    return bool(kinds & {workflow.FILER, workflow.CASEWORKER}) and complaint.is_open


def can_update_escalation(user: Any, complaint: Complaint) -> bool:
    """Record a receipt, an answer or close an escalation. Answers keep arriving after
    a complaint was resolved or closed, so only a draft is excluded."""
    kinds = actor_kinds(user, complaint)
    return bool(kinds & {workflow.FILER, workflow.CASEWORKER}) and not complaint.is_draft


def can_edit_letter(user: Any, complaint: Complaint) -> bool:
    """The filer edits the letter they will send; an advocate may help with the wording."""
    return bool(actor_kinds(user, complaint) & {workflow.FILER, workflow.CASEWORKER})


def can_send_from_app(user: Any, complaint: Complaint) -> bool:
    """Email the letter from the platform, in the filer's name and with the filer's
    contact details as they choose: the filer alone, while the complaint is open.
    An advocate helps with the wording (can_edit_letter) and records what was sent, but
    the consent to hand one's data to a lender (PIPL Art 23) is not theirs to give."""
    return workflow.FILER in actor_kinds(user, complaint) and complaint.is_open


def can_see_filer_phone(user: Any, complaint: Complaint) -> bool:
    """Letters show the filer's full mobile number to the filer alone, masked to others."""
    return workflow.FILER in actor_kinds(user, complaint)


def can_change_lenders(user: Any, complaint: Complaint) -> bool:
    """Name the brand's funder (the lender in the contract) after filing: the filer or a
    caseworker, while the complaint is not closed. The contract is often found later."""
    kinds = actor_kinds(user, complaint)
    return bool(kinds & {workflow.FILER, workflow.CASEWORKER}) and complaint.status != Status.CLOSED
