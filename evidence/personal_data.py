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
    """The file's place in the export: under its complaint, by the name it was uploaded
    with (already stripped of folders and control characters), after a short piece of its
    id so that two "screenshot.png" stay two files."""
    name = (evidence.original_name or "").replace("/", "_").replace("\\", "_").strip() or "file"
    if evidence.extension and not name.lower().endswith(evidence.extension.lower()):
        name += evidence.extension
    return f"files/{evidence.complaint.reference}/{evidence.public_id.hex[:8]}-{name}"


def _reading(evidence: Evidence) -> dict[str, Any] | None:
    reading = getattr(evidence, "reading", None)
    if reading is None:
        return None
    return {"text": reading.text, "sender": reading.sender, "covered": reading.covered}


def export_complaint(complaint: Complaint) -> dict[str, Any]:
    return {
        "evidence": [
            {
                "file": archive_name(e),
                "name": e.original_name,
                "kind": e.get_kind_display(),
                "size": e.size,
                "sha256": e.sha256,
                "caption": e.caption,
                "uploaded": iso(e.created),
                "withdrawn": iso(e.withdrawn_at),
                # What the app read in a screenshot, and what it covered in the copy it shares.
                "recognised": _reading(e),
            }
            for e in complaint.evidence.select_related("reading", "complaint")
        ],
        "proposed_incidents": [
            {
                "from": p.evidence.original_name,
                "kind": p.get_kind_display(),
                "quote": p.quote,
                "state": p.get_state_display(),
            }
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
    uploads = evidence.count()
    Proposal.objects.filter(complaint__filer=user).delete()
    evidence.delete()
    return Erased(files=stored, counts={"uploads": uploads})


PART = PersonalData(
    name="evidence",
    files=files,
    erase=erase,
    models=("evidence.Evidence", "evidence.Proposal", "evidence.ReadingGram"),
)
