"""Evidence's share of a person's data (accounts/privacy.py): listed with each complaint,
the originals in the ZIP, and every stored copy erased with the account."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from accounts.privacy import Erased, PersonalData, iso
from complaints.models import Complaint

from .models import Evidence, Proposal, Reading


def archive_name(evidence: Evidence) -> str:
    return f"files/{evidence.complaint.reference}/{evidence.public_id}{evidence.extension}"


def _reading(evidence: Evidence) -> dict[str, Any] | None:
    reading = getattr(evidence, "reading", None)
    if reading is None:
        return None
    return {"text": reading.text, "sender": reading.sender, "covered": reading.covered}


def export_complaint(complaint: Complaint) -> dict[str, Any]:
    return {
        "evidence": [
            {
                "file": f"files/{complaint.reference}/{e.public_id}{e.extension}",
                "name": e.original_name,
                "kind": e.kind,
                "size": e.size,
                "sha256": e.sha256,
                "caption": e.caption,
                "uploaded": iso(e.created),
                "withdrawn": iso(e.withdrawn_at),
                # What the app read in a screenshot, and what it covered in the copy it shares.
                "recognised": _reading(e),
            }
            for e in complaint.evidence.select_related("reading")
        ],
        "proposed_incidents": [
            {"from": p.evidence.original_name, "kind": p.kind, "quote": p.quote, "state": p.state}
            for p in complaint.proposals.select_related("evidence")
        ],
    }


def files(user: Any) -> Iterator[tuple[str, Any]]:
    for evidence in Evidence.objects.filter(complaint__filer=user).select_related("complaint"):
        yield archive_name(evidence), evidence.file


def erase(user: Any, now: datetime) -> Erased:
    evidence = Evidence.objects.filter(complaint__filer=user)
    stored = [f for item in evidence for f in (item.file, item.display_file, item.thumbnail) if f]
    # The covered copies; the readings, their pairs and the proposals go with the files.
    stored += [r.redacted_file for r in Reading.objects.filter(evidence__in=evidence) if r.redacted_file]
    Proposal.objects.filter(complaint__filer=user).delete()
    evidence.delete()
    return Erased(files=stored)


PART = PersonalData(
    name="evidence",
    files=files,
    erase=erase,
    models=("evidence.Evidence", "evidence.Proposal", "evidence.ReadingGram"),
)
