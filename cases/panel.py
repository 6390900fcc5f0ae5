"""What the complaint page adds for caseworkers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from complaints import permissions, workflow

from . import followups, selectors, services
from .forms import AssignForm, InfoRequestForm, NoteForm


def collector_keys(incidents: list[Any]) -> list[str]:
    """The collectors' numbers the page's incidents name, with their series' numbers
    (fetched with the incidents by complaints.page)."""
    found = [i.collector_id_normalized for i in incidents]
    found += [n.number for i in incidents if i.is_series for n in i.numbers.all()]
    return sorted({k for k in found if k})


def case_forms_context(
    request: HttpRequest, complaint: Any, *, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The case panel's forms for advocates and admins; nothing for anyone else.
    `bound`: forms sent back with their errors (cases.views._run_in_place), by name."""
    if not permissions.can_work_on_case(request.user, complaint):
        return {}
    bound = bound or {}
    return {
        "assign_form": AssignForm(
            caseworkers=selectors.caseworker_choices(), initial={"assignee": complaint.assignee_id}
        ),
        "note_form": bound.get("case-note") or NoteForm(),
        "info_form": bound.get("case-info-request") or InfoRequestForm(),
        # Who opened the case is a page of its own (cases.views.trail): it changes at every view.
    }


def complaint_section(request: HttpRequest, complaint: Any, page: dict[str, Any]) -> dict[str, Any]:
    """The complaint page's requests to the borrower and the case panel's forms, cached with
    the page's body (registered in complaints/page.py)."""
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
        # Kept with the cached body for the live section: no query for them at each view.
        "kept": {"collector_keys": collector_keys(page["incidents"])},
        **case_forms_context(request, complaint, bound=bound),
    }


def live_section(request: HttpRequest, complaint: Any, page: dict[str, Any]) -> dict[str, Any]:
    """The record of a caseworker's opening, and who else names the same collectors (which
    changes with other complaints): at every view, also when the rest of the page comes
    from the cache (registered live in complaints/page.py)."""
    if not services.case_open(complaint=complaint, actor=request.user):
        return {}
    return {
        "case_panel": True,
        "linked_collectors": selectors.linked_collectors(complaint, keys=page["collector_keys"]),
    }
