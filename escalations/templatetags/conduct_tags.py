from __future__ import annotations

from typing import Any

from django import template

from escalations import conduct

register = template.Library()


@register.filter
def breaches_of(breaches: dict[int, list[conduct.Breach]] | None, incident: Any) -> list[conduct.Breach]:
    """`{% for breach in breaches|breaches_of:incident %}`: one incident's breaches, if any were checked."""
    return conduct.breaches_of(breaches, incident)
