from __future__ import annotations

from typing import Any

from django import template
from django.forms.boundfield import BoundField

from complaints.models import HarassmentKind

register = template.Library()


@register.filter
def add_class(field: Any, css: str) -> Any:
    """Render a form field with Bootstrap's classes, keeping its other attributes."""
    if isinstance(field, BoundField):
        return field.as_widget(attrs={"class": css})
    return field


@register.filter
def incident_kinds(complaint: Any) -> list[str]:
    """The distinct kinds of a complaint's incidents, from the prefetched rows (no query)."""
    labels = dict(HarassmentKind.choices)
    seen: list[str] = []
    for incident in complaint.incidents.all():
        if incident.kind not in seen:
            seen.append(incident.kind)
    return [str(labels.get(k, k)) for k in seen]
