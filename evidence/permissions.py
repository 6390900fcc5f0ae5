"""Who may open an evidence file: whoever may see its complaint (complaints/permissions.py)."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest

from complaints import permissions

from .models import Evidence


def get_evidence_for_user(request: HttpRequest, public_id: str) -> Evidence:
    """The evidence if its complaint is visible to this user; 404 otherwise (never 403)."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404 from None
    try:
        evidence = Evidence.objects.select_related("complaint").get(public_id=key)
    except Evidence.DoesNotExist:
        raise Http404 from None
    if not permissions.visible_complaints(request.user).filter(pk=evidence.complaint_id).exists():
        raise Http404
    return evidence
