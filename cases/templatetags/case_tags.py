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


@register.inclusion_tag("cases/_bar_chart.html")
def bar_chart(series: Any) -> dict[str, Any]:
    """A horizontal bar chart drawn on the server as SVG: no script, readable on a phone."""
    bar_height, gap, label_width, width = 22, 6, 150, 600
    peak = series.peak or 1
    bars = []
    for i, (label, value) in enumerate(series.rows):
        y = i * (bar_height + gap)
        length = round((width - label_width - 60) * value / peak)
        bars.append({"label": label, "value": value, "y": y, "text_y": y + bar_height - 6, "length": length})
    return {
        "series": series,
        "bars": bars,
        "bar_height": bar_height,
        "label_width": label_width,
        "width": width,
        "height": max(len(bars), 1) * (bar_height + gap),
    }
