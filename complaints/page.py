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

from django.http import HttpRequest

from .models import Complaint

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
