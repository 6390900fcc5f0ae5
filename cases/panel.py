"""What the complaint page adds for caseworkers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from complaints import permissions, workflow

from . import followups, selectors, services
from .forms import AssignForm, InfoRequestForm, NoteForm


def case_panel_context(
    request: HttpRequest,
    complaint: Any,
    *,
    incidents: list[Any] | None = None,
    bound: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Forms and linked collectors for advocates and admins; nothing for anyone else.
    `bound`: forms sent back with their errors (cases.views._run_in_place), by name."""
    if not permissions.can_work_on_case(request.user, complaint):
        return {}
    bound = bound or {}
    return {
        "case_panel": True,
        "assign_form": AssignForm(
            caseworkers=selectors.caseworker_choices(), initial={"assignee": complaint.assignee_id}
        ),
        "note_form": bound.get("case-note") or NoteForm(),
        "info_form": bound.get("case-info-request") or InfoRequestForm(),
        "linked_collectors": selectors.linked_collectors(complaint, incidents=incidents),
        # Who opened the case is a page of its own (cases.views.trail): it changes at every view.
    }


def complaint_section(request: HttpRequest, complaint: Any, page: dict[str, Any]) -> dict[str, Any]:
    """The complaint page's requests to the borrower, and the case panel for caseworkers
    (registered in complaints/page.py)."""
    services.case_open(complaint=complaint, actor=request.user)
    bound = page.get("bound_forms") or {}
    info_requests = list(complaint.info_requests.all())
    for info in info_requests:
        # An answer that came back with its errors, shown in its place with what was typed.
        info.answer_form = bound.get(f"info-answer-{info.pk}")
    is_filer = workflow.FILER in permissions.actor_kinds(request.user, complaint)
    return {
        "info_requests": info_requests,
        # "Did the harassment stop?" waits here too, for whoever comes without the link.
        "open_followup": followups.open_question(complaint) if is_filer else None,
        **case_panel_context(request, complaint, incidents=page["incidents"], bound=bound),
    }
