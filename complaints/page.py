"""The complaint page is made of sections, and most of them belong to the apps above
complaints: evidence, the route and escalations, the advocates' case panel. Each of those
registers a section here in its `AppConfig.ready()`; the page's view asks every section
for its part of the context, in the order of INSTALLED_APPS (lowest app first), so a
section may use what an earlier one worked out (the escalations use the route).
"""

from __future__ import annotations

from collections.abc import Callable
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
