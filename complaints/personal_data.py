"""Complaints' share of a person's data (accounts/privacy.py), and a second registry for
what the apps above keep per complaint (evidence, requests, escalations, letters): they
add keys to each complaint of the export without complaints importing them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from accounts.privacy import Erased, PersonalData, iso, placeholder_account
from lib import versions

from .models import COMPLAINTS_VERSION, Complaint, Incident, RegistryChange, Status, TimelineEvent

ComplaintExport = Callable[[Complaint], dict[str, Any]]

_per_complaint: list[tuple[str, ComplaintExport]] = []


def register_complaint_export(name: str, export: ComplaintExport) -> None:
    global _per_complaint
    _per_complaint = [(n, e) for n, e in _per_complaint if n != name] + [(name, export)]


def _status_words(code: str) -> str:
    return str(Status(code).label) if code in Status.values else code


def _complaint(c: Complaint) -> dict[str, Any]:
    data = {
        "reference": c.reference,
        # In the reader's words (the language they export in), not the codes the app stores.
        "status": c.get_status_display(),
        "filer_relation": c.get_filer_relation_display(),
        "lender": c.lender.name,
        "funding_institution": c.funding_institution.name if c.funding_institution else None,
        "summary": c.summary,
        "desired_outcomes": c.get_desired_outcomes_display(),
        "province": c.get_province_display(),
        "loan_amount": str(c.loan_amount) if c.loan_amount is not None else None,
        "loan_date": c.loan_date.isoformat() if c.loan_date else None,
        "is_overdue": c.is_overdue,
        "created": iso(c.created),
        "submitted_at": iso(c.submitted_at),
        "incidents": [
            {
                "occurred_at": iso(i.occurred_at),
                "channel": i.get_channel_display(),
                "kind": i.get_kind_display(),
                "collector_id": i.collector_id,
                "contacted": i.get_contacted_display(),
                "contacted_count": i.contacted_count,
                "third_party_number": i.third_party_number,
                "description": i.description,
                "series_count": i.series_count,
                "ended_at": iso(i.ended_at),
                "series_numbers": [n.number for n in i.numbers.all()],
            }
            for i in c.incidents.prefetch_related("numbers")
        ],
        # Advocates' internal notes are their working papers, not the borrower's data.
        "timeline": [
            {
                "when": iso(e.created),
                "kind": e.get_kind_display(),
                "from": _status_words(e.from_status),
                "to": _status_words(e.to_status),
                "note": e.display_note,
            }
            for e in c.events.filter(internal=False)
        ],
    }
    for _name, export in _per_complaint:
        data.update(export(c))
    return data


def export(user: Any) -> dict[str, Any]:
    complaints = Complaint.objects.filter(filer=user).select_related("lender", "funding_institution")
    return {"complaints": [_complaint(c) for c in complaints.order_by("pk")]}


def erase(user: Any, now: datetime) -> Erased:
    """Runs after the apps above erased their rows of these complaints."""
    complaints = Complaint.objects.filter(filer=user)
    Incident.objects.filter(complaint__in=complaints).update(description="", third_party_number="")
    # The message data may name files, references and lenders: it goes with the notes.
    TimelineEvent.objects.filter(complaint__in=complaints).update(note="", params={})
    TimelineEvent.objects.filter(actor=user).update(actor=None)
    kept = complaints.count()
    complaints.update(
        filer=placeholder_account(),
        summary="",
        loan_amount=None,
        loan_date=None,
        is_overdue=None,
        funding_institution=None,
        updated=now,
    )
    versions.bump(COMPLAINTS_VERSION)
    return Erased(counts={"complaints": kept})


PART = PersonalData(
    name="complaints",
    export=export,
    erase=erase,
    # A series' numbers are the collectors' (like an incident's collector number): they
    # stay with the complaint, which outlives its filer's account.
    models=(
        "complaints.Complaint",
        "complaints.Incident",
        "complaints.IncidentNumber",
        "complaints.TimelineEvent",
    ),
)


def _erase_registry_changes(user: Any, now: datetime) -> Erased:
    # The record of who changed the registry stays (what changed is the point of it); the
    # person is reduced to their role, as in the audit trail.
    RegistryChange.objects.filter(actor=user).update(actor_label=str(user.get_role_display()), actor=None)
    return Erased()


REGISTRY_PART = PersonalData(
    name="complaints-registry", erase=_erase_registry_changes, models=("complaints.RegistryChange",)
)
