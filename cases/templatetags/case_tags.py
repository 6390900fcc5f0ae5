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
    """A bar chart drawn on the server as SVG: no script, readable on a phone.

    Each label sits on its own line above its bar, so long Chinese names are never cut
    and the text stays large when the chart shrinks to a phone's width.
    """
    row, width, value_room = 44, 400, 56
    peak = series.peak or 1
    bars = []
    for i, (label, value) in enumerate(series.rows):
        y = i * row
        length = max(round((width - value_room) * value / peak), 1 if value else 0)
        bars.append(
            {
                "label": label,
                "value": value,
                "label_y": y + 15,
                "bar_y": y + 21,
                "length": length,
                "value_x": length + 6,
            }
        )
    return {"series": series, "bars": bars, "width": width, "height": max(len(bars), 1) * row}
