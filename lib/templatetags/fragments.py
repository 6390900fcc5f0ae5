"""`{% fragment "name" value… %}…{% endfragment %}`: a part of a page cached as HTML under
the values it shows.

Django's `{% cache %}` keys a fragment by names the template picks and keeps it until a
timeout, so it shows stale data unless something remembers to invalidate it, and it stores
the CSRF token of whoever rendered it first. Here the key is a digest of the values
themselves (every loaded field of each model instance, and the related rows loaded with
it), the language, the time zone and the release of the templates and translations: a
change to any of them is a different key, so nothing is ever invalidated and nothing
stale is shown. CSRF tokens are cached as a placeholder and put back for each request.

Every context variable the fragment reads must be among its values; the fragment's own
tests check that two viewers who must see different things do.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django import template
from django.apps import apps
from django.conf import settings
from django.core.cache import cache as django_cache
from django.db.models import Model, QuerySet
from django.forms import BaseForm
from django.template.utils import get_app_template_dirs
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

TIMEOUT = int(timedelta(days=1).total_seconds())


@cache
def csrf_placeholder() -> str:
    """Where a CSRF token goes in cached HTML. Text someone typed must never be taken for it
    (each viewer's own token would be put there): NUL, which form fields refuse, and a
    value derived from SECRET_KEY, which nobody outside knows."""
    return "\x00csrf-" + salted_hmac("fragments.csrf", "placeholder").hexdigest()[:24] + "\x00"


@cache
def release() -> str:
    """Changes whenever a template or a compiled translation changes: after a deploy, no
    fragment rendered by the old templates is used."""
    roots = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    roots += [Path(d) for d in get_app_template_dirs("templates")]
    roots += [Path(d) for d in settings.LOCALE_PATHS]
    digest = hashlib.sha256()
    for root in roots:
        for folder, _dirs, files in sorted(os.walk(root)):
            for name in sorted(files):
                if name.endswith((".html", ".txt", ".mo")):
                    stat = os.stat(os.path.join(folder, name))
                    digest.update(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


@cache
def code_release() -> str:
    """Changes with the project's code (lib and every app of ours): for what is cached
    whole, worked out by Python rather than a template (a page's body, a letter's text),
    so that after a deploy nothing the old code built is used. `release` covers the
    templates and translations."""
    base = Path(settings.BASE_DIR)
    folders = {Path(__file__).parents[1]}  # lib
    folders |= {
        Path(app.path)
        for app in apps.get_app_configs()
        # Ours, not the libraries of a virtualenv that may live in the checkout.
        if Path(app.path).is_relative_to(base) and "site-packages" not in Path(app.path).parts
    }
    digest = hashlib.sha256()
    for folder in sorted(folders):
        for path in sorted(folder.rglob("*.py")):
            stat = path.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


# Values whose repr says all they render as (exact types: a subclass may render otherwise).
_PLAIN = frozenset({str, int, float, bool, type(None), Decimal, date, datetime, time})


class _Shown:
    """What a list of values shows, as nested tuples whose repr is the same whenever the
    values would render the same. Each model instance is described once: the rows loaded
    through a relation all point back at one parent (ten evidence cards, one complaint)."""

    def __init__(self) -> None:
        self.seen: dict[int, int] = {}

    def __call__(self, value: Any) -> Any:
        if type(value) in _PLAIN:
            return value
        if isinstance(value, Model):
            return self.instance(value)
        if isinstance(value, BaseForm):
            return self.form(value)
        if isinstance(value, Promise):
            return str(value)
        if isinstance(value, dict):
            return tuple((repr(k), self(v)) for k, v in value.items())
        if isinstance(value, QuerySet):
            return tuple(self(v) for v in value)
        if isinstance(value, (list, tuple)):
            # Plain values inline: a page of rows as tuples is a few thousand of them.
            return tuple(v if type(v) in _PLAIN else self(v) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return tuple(self(getattr(value, f.name)) for f in dataclasses.fields(value))
        return value

    def form(self, form: BaseForm) -> Any:
        """What a form renders: per field its value, choices, label, help, attributes and
        errors; a bound form with errors is another fragment than the empty one. The layout
        of a crispy helper is taken as fixed per form class."""
        bound = form.is_bound
        fields = []
        for name, field in form.fields.items():
            fields.append(
                (
                    name,
                    type(field).__name__,
                    self(form[name].value()),
                    str(field.label),
                    str(field.help_text),
                    field.required,
                    field.disabled,
                    tuple(sorted((k, str(v)) for k, v in field.widget.attrs.items())),
                    self(list(field.choices)) if hasattr(field, "choices") else None,
                    tuple(str(e) for e in form.errors.get(name, ())) if bound else (),
                )
            )
        errors = tuple(str(e) for e in form.non_field_errors()) if bound else ()
        return ("form", type(form).__qualname__, form.prefix, form.auto_id, bound, tuple(fields), errors)

    def instance(self, obj: Model) -> Any:
        if id(obj) in self.seen:
            return ("seen", self.seen[id(obj)])
        self.seen[id(obj)] = len(self.seen)
        # Field values are plain data (JSON fields are dicts and lists), whose repr is stable.
        fields = tuple(item for item in obj.__dict__.items() if item[0][0] != "_")
        related = tuple((name, self(v)) for name, v in obj._state.fields_cache.items())
        prefetched = tuple(
            (name, self(list(qs))) for name, qs in getattr(obj, "_prefetched_objects_cache", {}).items()
        )
        return (obj._meta.label, fields, related, prefetched)


def fragment_key(name: str, values: Iterable[Any], *, csrf: bool) -> str:
    shown = _Shown()
    described = repr((tuple(shown(v) for v in values), csrf)).encode()
    language = translation.get_language()
    zone = timezone.get_current_timezone_name()
    return f"fragment:{name}:{release()}:{language}:{zone}:{hashlib.sha256(described).hexdigest()}"


class FragmentNode(template.Node):
    def __init__(self, name: template.base.FilterExpression, values: list[Any], nodelist: Any) -> None:
        self.name = name
        self.values = values
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        if settings.DEBUG:
            # A developer's edited template shows at once; the release is read once a process.
            return self.nodelist.render(context)
        csrf_value = context.get("csrf_token")
        csrf = bool(csrf_value) and csrf_value != "NOTPROVIDED"  # what {% csrf_token %} checks
        values = [v.resolve(context) for v in self.values]
        key = fragment_key(str(self.name.resolve(context)), values, csrf=csrf)
        html = django_cache.get(key)
        if html is None:
            if csrf:
                with context.push(csrf_token=csrf_placeholder()):
                    html = self.nodelist.render(context)
            else:
                html = self.nodelist.render(context)
            django_cache.set(key, str(html), TIMEOUT)
        if csrf:
            html = html.replace(csrf_placeholder(), str(csrf_value))
        return mark_safe(html)  # noqa: S308 - rendered (and escaped) by the template engine


@register.tag
def fragment(parser: template.base.Parser, token: template.base.Token) -> FragmentNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("'fragment' needs a name, then the values it shows")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(
        parser.compile_filter(bits[1]), [parser.compile_filter(b) for b in bits[2:]], nodelist
    )
