"""What the system says on a complaint's timeline, rendered in the reader's language.

A timeline entry stores a message code and its data (`TimelineEvent.code`, `.params`),
not a sentence: an English reader and a Chinese reader of the same complaint each see the
entry in their own language, whoever caused it and in whatever language they used the
app. Each app registers the renderers of its codes (complaints here, the others in their
`AppConfig.ready()`), the same registry pattern as complaints/page.py.

A renderer takes the stored data and returns the sentence through gettext, in the active
language. Data that itself needs translating is stored as a code (a channel, a verdict)
or in both languages (a regulator's name), never as words. Renderers read no database:
the complaint page's query budget does not grow with its timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

Renderer = Callable[[dict[str, Any]], str]

_renderers: dict[str, Renderer] = {}


def register(code: str, renderer: Renderer) -> None:
    if code in _renderers and _renderers[code] is not renderer:
        raise ValueError(f"timeline message {code!r} is registered twice")
    _renderers[code] = renderer


def render(code: str, params: dict[str, Any]) -> str:
    """The sentence for `code`, or "" when the code is unknown or its data incomplete
    (an erased complaint keeps its codes without data): the entry then shows its kind only."""
    renderer = _renderers.get(code)
    if renderer is None:
        return ""
    try:
        return str(renderer(params or {}))
    except (KeyError, TypeError, ValueError):
        return ""


def reads_english() -> bool:
    return (get_language() or "").lower().startswith("en")


def bilingual(params: dict[str, Any], key: str) -> str:
    """A name stored as `key` (Chinese or the only one) and `key_en`: the reader's one."""
    if reads_english() and params.get(f"{key}_en"):
        return str(params[f"{key}_en"])
    return str(params[key])


def unknown_or(value: Any) -> str:
    return str(value) if value else _("unknown")


# The complaints app's own messages ------------------------------------------------------


def _lenders_changed(p: dict[str, Any]) -> str:
    parts = []
    if "new_brand" in p:
        parts.append(_("Brand: %(old)s → %(new)s.") % {"old": p["old_brand"], "new": p["new_brand"]})
    if "new_funder" in p:
        parts.append(
            _("Funding institution: %(old)s → %(new)s.")
            % {"old": unknown_or(p["old_funder"]), "new": unknown_or(p["new_funder"])}
        )
    parts.append(_("The route was worked out again from the new lender."))
    return " ".join(parts)


def _incident(p: dict[str, Any]) -> str:
    from .models import HarassmentKind

    return str(HarassmentKind(p["kind"]).label)


register("lenders_changed", _lenders_changed)
register("incident", _incident)
