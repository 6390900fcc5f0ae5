"""The complaint page's evidence section (registered in complaints/page.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from complaints import permissions
from complaints.models import Complaint

from .models import Proposal
from .validation import ACCEPTED_EXTENSIONS

# The name of a caption sent back with its problem (evidence.views.caption): a dict of
# public_id, value and error.
CAPTION_FORM = "evidence-caption"


def evidence_section(request: HttpRequest, complaint: Complaint, page: dict[str, Any]) -> dict[str, Any]:
    """The files grouped under the incidents they show, and what this viewer may do."""
    user = request.user
    incidents = page["incidents"]
    evidence = list(
        complaint.evidence.select_related("reading")
        # The reading's lines and text are large and shown elsewhere.
        .defer("reading__lines", "reading__text", "reading__search_text")
        .prefetch_related("reviews")
        .order_by("created", "pk")
    )
    by_incident = {i.pk: [e for e in evidence if e.incident_id == i.pk] for i in incidents}
    # What screenshots proposed, for the filer to confirm: grouped by screenshot, whose
    # day is asked once.
    proposal_groups = []
    if permissions.can_manage_evidence(user, complaint):
        open_proposals = list(
            Proposal.objects.filter(complaint=complaint, state=Proposal.State.PROPOSED).order_by(
                "evidence_id", "position", "pk"
            )
        )
        by_evidence = {e.pk: e for e in evidence}
        for item in evidence:
            mine = [p for p in open_proposals if p.evidence_id == item.pk]
            if mine and item.pk in by_evidence:
                proposal_groups.append((item, item.reading.shot_day, mine))
    return {
        "proposal_groups": proposal_groups,
        "evidence_groups": [(i, by_incident[i.pk]) for i in incidents if by_incident[i.pk]],
        "loose_evidence": [e for e in evidence if e.incident_id is None],
        "evidence_count": len(evidence),
        "can_upload": permissions.can_upload_evidence(user, complaint),
        "can_manage_evidence": permissions.can_manage_evidence(user, complaint),
        "accepted_extensions": ",".join(ACCEPTED_EXTENSIONS),
        "caption_problem": (page.get("bound_forms") or {}).get(CAPTION_FORM),
    }
