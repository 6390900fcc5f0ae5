"""The complaint page is made of sections, and most of them belong to the apps above
complaints: evidence, the route and escalations, the advocates' case panel. Each of those
registers a section here in its `AppConfig.ready()`; the page's view asks every section
for its part of the context, in the order of INSTALLED_APPS (lowest app first), so a
section may use what an earlier one worked out (the escalations use the route).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import PEOPLE_VERSION
from lib import versions
from lib.china import CHINA_TZ, china_day
from lib.templatetags.fragments import code_release, fragment_key

from . import permissions, workflow
from .models import Complaint, Status, registry_revision_of

# (request, complaint, the context so far) -> keys to add to it. A section may also return
# `fresh_until`, the moment its part of the page starts to read differently with no row
# changing (an answer falls due): the cached body is not used from then on.
Section = Callable[[HttpRequest, Complaint, dict[str, Any]], dict[str, Any]]

_sections: list[tuple[str, Section]] = []
# Sections whose part of the page changes at every view or with rows of other complaints
# (the case panel): run for every view, whether the body comes from the cache or not.
_live_sections: list[tuple[str, Section]] = []

# What the cached body depends on beyond the complaint's own rows and the viewer: the
# lib.versions names of shared data the sections read (the directory, the holiday
# calendar, the conduct rules), by section. Read in one round trip at every view.
_versions: list[tuple[str, tuple[str, ...]]] = []


def _registered(entries: list[tuple[str, Any]], name: str, value: Any) -> list[tuple[str, Any]]:
    """Idempotent by name: `ready()` may run more than once in tests."""
    return [(n, s) for n, s in entries if n != name] + [(name, value)]


def register_section(name: str, section: Section, *, live: bool = False) -> None:
    global _sections, _live_sections
    if live:
        _live_sections = _registered(_live_sections, name, section)
    else:
        _sections = _registered(_sections, name, section)


def register_versions(name: str, names: tuple[str, ...]) -> None:
    global _versions
    _versions = _registered(_versions, name, tuple(names))


def _merge(context: dict[str, Any], added: dict[str, Any]) -> None:
    until = added.pop("fresh_until", None)
    if until is not None:
        context["fresh_until"] = min(until, context.get("fresh_until") or until)
    # `kept`: values a live section needs, cached with the body and put back on a hit.
    kept = added.pop("kept", {})
    context.setdefault("kept", {}).update(kept)
    context.update(kept)
    context.update(added)


def add_sections(request: HttpRequest, complaint: Complaint, context: dict[str, Any]) -> dict[str, Any]:
    for _name, section in _sections:
        _merge(context, section(request, complaint, context))
    return add_live_sections(request, complaint, context)


def add_live_sections(request: HttpRequest, complaint: Complaint, context: dict[str, Any]) -> dict[str, Any]:
    for _name, section in _live_sections:
        _merge(context, section(request, complaint, context))
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


# --- The page's body, cached -------------------------------------------------------------
#
# Everything the page shows apart from the layout and the live sections is cached as HTML in
# a few parts ({% page_part %}, complaints/templatetags/page_parts.py), under a key that is
# cheap to work out from the complaint row alone: the row with the brand, funder, filer and
# assignee it is loaded with, whose `revision` the database moves whenever anything else the
# page shows changes (complaints/revisions.py); who is looking (their id, what they may do);
# the language, time zone, templates and translations (lib fragments); the versions the
# sections registered; and China's date (days left, funders that hold today). A hit makes
# no query for the body. CSRF tokens are cached as the fragments' placeholder and put back
# per request. Ordering makes it safe against a change committed mid-request: the revision
# is read before the rows it covers, so newer rows may be stored under an older key, which
# nobody asks for again, never older rows under a newer one.

TEMPLATE = "complaints/complaint_detail.html"
# The {% page_part %} names every viewer's page has (caseworkers' also "panel"): a body is
# cached only whole.
PARTS = frozenset({"main", "side"})


def body_key(request: HttpRequest, complaint: Complaint) -> str:
    user = request.user
    viewer = (
        user.pk,
        getattr(user, "role", ""),
        permissions.is_admin(user),
        tuple(sorted(permissions.actor_kinds(user, complaint))),
    )
    # The people's version: who counts as an advocate on the timeline.
    names = sorted({PEOPLE_VERSION, *(n for _section, section_names in _versions for n in section_names)})
    shared = tuple(zip(names, versions.many(names), strict=True))
    today = china_day(timezone.now())
    # The institutions behind the brand (its funders, its operator) move one revision of
    # their own (complaints.models.RegistryRevision), read with the complaint's row.
    registry = registry_revision_of(complaint)
    return fragment_key(
        "complaint-page", [code_release(), complaint, registry, viewer, shared, today], csrf=True
    )


def _next_china_midnight(now: datetime) -> datetime:
    local = now.astimezone(CHINA_TZ)
    return (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def render_page(request: HttpRequest, complaint: Complaint) -> HttpResponse:
    """The complaint page as its view shows it (no form sent back with errors)."""
    if settings.DEBUG:
        # A developer's edited template shows at once, as with the fragments.
        return render(request, TEMPLATE, detail_context(request, complaint))
    key = body_key(request, complaint)
    now = timezone.now()
    cached = cache.get(key)
    if cached is not None and now < cached["until"]:
        context: dict[str, Any] = {"complaint": complaint, "page_parts": cached["parts"], **cached["kept"]}
        add_live_sections(request, complaint, context)
        return render(request, TEMPLATE, context)
    context = detail_context(request, complaint)
    rendered: dict[str, str] = {}
    context["page_parts_rendered"] = rendered
    response = render(request, TEMPLATE, context)
    until = min(context.get("fresh_until") or _next_china_midnight(now), _next_china_midnight(now))
    if until > now and set(rendered) >= PARTS:
        cache.set(
            key,
            {"until": until, "parts": rendered, "kept": context["kept"]},
            int((until - now).total_seconds()) + 1,
        )
    return response


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
    return render(request, TEMPLATE, context, status=status)
