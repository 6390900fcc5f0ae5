"""The complaint page is made of sections, and most of them belong to the apps above
complaints: evidence, the route and escalations, the advocates' case panel. Each of those
registers a section here in its `AppConfig.ready()`; the page's view asks every section
for its part of the context, in the order of INSTALLED_APPS (lowest app first), so a
section may use what an earlier one worked out (the escalations use the route).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import permissions, workflow
from .models import Complaint, Status

# (request, complaint, the context so far) -> keys to add to it.
Section = Callable[[HttpRequest, Complaint, dict[str, Any]], dict[str, Any]]

_sections: list[tuple[str, Section]] = []


def register_section(name: str, section: Section) -> None:
    """Idempotent by name: `ready()` may run more than once in tests."""
    global _sections
    _sections = [(n, s) for n, s in _sections if n != name] + [(name, section)]


def add_sections(request: HttpRequest, complaint: Complaint, context: dict[str, Any]) -> dict[str, Any]:
    for _name, section in _sections:
        context.update(section(request, complaint, context))
    return context


# The list of one's complaints ("My complaints") takes the same way: (the complaints of
# one page of the list, now) -> None, setting attributes the list shows on each (the
# escalations app sets `due`: the days left to the next answer).
ListNotes = Callable[[list[Complaint], datetime], None]

_list_notes: list[tuple[str, ListNotes]] = []


def register_list_notes(name: str, notes: ListNotes) -> None:
    """Idempotent by name, like register_section."""
    global _list_notes
    _list_notes = [(n, s) for n, s in _list_notes if n != name] + [(name, notes)]


def add_list_notes(complaints: list[Complaint], now: datetime) -> list[Complaint]:
    for _name, notes in _list_notes:
        notes(complaints, now)
    return complaints


# --- The page itself ------------------------------------------------------------------


def incidents_with_numbers(complaint: Complaint) -> list[Any]:
    """The complaint's incidents; a series' numbers fetched only when there is a series."""
    incidents = list(complaint.incidents.all())
    series = [i for i in incidents if i.is_series]
    if series:
        prefetch_related_objects(series, "numbers")
    return incidents


def detail_context(
    request: HttpRequest, complaint: Complaint, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    events = complaint.events.select_related("actor")
    if not permissions.can_see_internal(user, complaint):
        events = events.filter(internal=False)
    actions = [
        {
            "status": target,
            "label": workflow.action_label(complaint.status, target),
            "help": workflow.ACTION_HELP.get(target, "") if complaint.status != Status.DRAFT else "",
            "needs_reason": workflow.needs_reason(complaint.status, target),
            "primary": target not in (Status.CLOSED,),
            # Closing or withdrawing is never "the next step": it waits at the end of the page.
            "quiet": target == Status.CLOSED,
        }
        # Moves that only an escalation makes have no button (complaints.workflow).
        for target in permissions.allowed_targets(user, complaint)
    ]
    # A change of status that was refused comes back on its own button, with its reason.
    refused = (bound or {}).get("transition")
    for action in actions:
        if refused and refused["to_status"] == action["status"]:
            action.update(note=refused["note"], error=refused["error"])
    context = {
        "complaint": complaint,
        "incidents": incidents_with_numbers(complaint),
        "events": events,
        "actions": actions,
        "main_actions": [a for a in actions if not a["quiet"]],
        "quiet_actions": [a for a in actions if a["quiet"]],
        "can_edit": permissions.can_edit_details(user, complaint),
        "can_add_incident": permissions.can_add_incident(user, complaint),
        "show_third_party_numbers": permissions.can_see_third_party_numbers(user, complaint),
        "is_filer": complaint.filer_id == user.pk,
        # Forms sent back with their errors, by name: each section shows its own in place.
        "bound_forms": bound or {},
    }
    # Evidence, the route and escalations, the case panel: the apps above add their parts.
    return add_sections(request, complaint, context)


def render_detail(
    request: HttpRequest,
    complaint: Complaint,
    *,
    bound: dict[str, Any],
    error_anchor: str = "",
    status: int = 200,
) -> HttpResponse:
    """The complaint page with forms that came back with errors, each in its own place with
    everything that was typed, rather than a redirect and a message at the top of the page.

    `bound` maps a form's name, as the section that shows it knows it, to the bound form;
    `error_anchor` is the id of the element around it, which a short note at the top of
    the page links to (the page opens at its top after a POST).
    """
    context = detail_context(request, complaint, bound)
    context["error_anchor"] = error_anchor
    return render(request, "complaints/complaint_detail.html", context, status=status)
