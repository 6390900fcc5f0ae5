from __future__ import annotations

from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def add_class(field: Any, css: str) -> Any:
    """Render a form field with Bootstrap's classes, keeping its other attributes."""
    if isinstance(field, BoundField):
        choices = getattr(field.field, "choices", ())
        # Flat choices only: option groups are left to Django's own widget.
        if type(field.field.widget) is forms.Select and not any(
            isinstance(label, (list, tuple)) for _key, label in choices
        ):
            return _select(field, css)
        if type(field.field.widget) is forms.TextInput:
            return _text_input(field, css)
        return field.as_widget(attrs={"class": css})
    return field


def _select(field: BoundField, css: str) -> SafeString:
    """A plain <select>, as Django's widget would render it, without a template per option:
    the queue's seven dropdowns took a fifth of its time through the widget templates."""
    widget = field.field.widget
    attrs = widget.build_attrs(widget.attrs, field.build_widget_attrs({"class": css}))
    if field.auto_id and "id" not in attrs:
        attrs["id"] = field.auto_id
    value = field.value()
    chosen = {"" if value is None else str(value)}
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (key, mark_safe(" selected") if str(key) in chosen else "", label)
            for key, label in field.field.choices
        ),
    )
    return format_html('<select name="{}"{}>{}</select>', field.html_name, flatatt(attrs), options)


def _text_input(field: BoundField, css: str) -> SafeString:
    """A text box exactly as Django's widget renders it (attributes in its order), without
    its template: the queue's search box is rendered on every view, outside the cached
    filters, and the template cost more than the rest of the box."""
    widget = field.field.widget
    attrs = field.build_widget_attrs({"class": css}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    value = widget.format_value(field.value())
    shown = [("value", value)] if value is not None else []
    # As django/forms/widgets/attrs.html: False leaves an attribute out, True is bare.
    rendered = format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if v is True else format_html(' {}="{}"', name, str(v)),)
            for name, v in [*shown, *widget.build_attrs(widget.attrs, attrs).items()]
            if v is not False
        ),
    )
    return format_html('<input type="{}" name="{}"{}>', widget.input_type, field.html_name, rendered)


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
