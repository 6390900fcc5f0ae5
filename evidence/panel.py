"""The complaint page's evidence section (registered in complaints/page.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from complaints import permissions
from complaints.models import Complaint

from .validation import ACCEPTED_EXTENSIONS


def evidence_section(request: HttpRequest, complaint: Complaint, page: dict[str, Any]) -> dict[str, Any]:
    """The files grouped under the incidents they show, and what this viewer may do."""
    user = request.user
    incidents = page["incidents"]
    evidence = list(complaint.evidence.prefetch_related("reviews").order_by("created", "pk"))
    by_incident = {i.pk: [e for e in evidence if e.incident_id == i.pk] for i in incidents}
    return {
        "evidence_groups": [(i, by_incident[i.pk]) for i in incidents if by_incident[i.pk]],
        "loose_evidence": [e for e in evidence if e.incident_id is None],
        "evidence_count": len(evidence),
        "can_upload": permissions.can_upload_evidence(user, complaint),
        "can_manage_evidence": permissions.can_manage_evidence(user, complaint),
        "accepted_extensions": ",".join(ACCEPTED_EXTENSIONS),
    }
