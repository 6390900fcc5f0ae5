"""Every variable a `{% fragment %}` reads must be among the values of its key.

A fragment is cached under a digest of its values; anything else it reads is frozen into
the cached HTML, and the next viewer gets the first viewer's version (another person's
name, a form with someone else's input, a button they may not press). This test reads
every template, finds each fragment and walks what it renders (loops, `with`, `if`,
`url`, filters and their arguments, `blocktranslate`, includes), and fails on a variable
that no key value covers. A key value covers a read when its path is a prefix of the read
(`complaint` covers `complaint.lender.name`; `complaint.reference` covers only itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Node, NodeList, engines, loader
from django.template.base import FilterExpression, TokenType, Variable, VariableNode
from django.template.defaulttags import ForNode, WithNode
from django.template.loader_tags import IncludeNode
from django.template.smartif import TokenBase
from django.templatetags.i18n import BlockTranslateNode

from lib.templatetags.fragments import FragmentNode

# Bound by the template engine itself, put back per request by the fragment tag
# (csrf_token), or part of every key (the language).
ALWAYS_THERE = {"True", "False", "None", "csrf_token", "forloop", "block", "LANGUAGE_CODE"}


@dataclass
class Scope:
    covered: list[tuple[str, ...]]
    bound: set[str] = field(default_factory=set)

    def covers(self, path: tuple[str, ...]) -> bool:
        if path[0] in self.bound or path[0] in ALWAYS_THERE:
            return True
        return any(path[: len(key)] == key for key in self.covered)

    def binding(self, *names: str) -> Scope:
        return Scope(self.covered, self.bound | set(names))


def _path(variable: Variable) -> tuple[str, ...] | None:
    if variable.lookups is None:
        return None  # a literal: "text", 3
    return tuple(variable.lookups)


def _reads_of(expression: FilterExpression) -> list[tuple[str, ...]]:
    found = []
    if isinstance(expression.var, Variable) and (path := _path(expression.var)):
        found.append(path)
    for _func, args in expression.filters:
        for is_lookup, arg in args:
            if is_lookup and (path := _path(arg)):
                found.append(path)
    return found


def _key_paths(node: FragmentNode) -> list[tuple[str, ...]]:
    """A key value covers reads only when taken as it is: `x|yesno` tells whether x is
    set, not what x shows."""
    paths = []
    for value in node.values:
        if not value.filters and isinstance(value.var, Variable) and (path := _path(value.var)):
            paths.append(path)
    return paths


class Walker:
    def __init__(self, where: str) -> None:
        self.where = where
        self.leaks: list[str] = []

    def read(self, expression: FilterExpression, scope: Scope) -> None:
        for path in _reads_of(expression):
            if not scope.covers(path):
                self.leaks.append(f"{self.where}: reads {'.'.join(path)}")

    def nodes(self, nodelist: NodeList, scope: Scope) -> None:
        for node in nodelist:
            self.node(node, scope)
            # `{% translate "x" as label %}`, `{% url ... as link %}`: bound for what follows.
            named = getattr(node, "asvar", None) or getattr(node, "target_var", None)
            if named:
                scope = scope.binding(named)

    def node(self, node: Node, scope: Scope) -> None:
        if isinstance(node, FragmentNode):
            # A fragment inside a fragment: rendered into the outer one's HTML, so the
            # outer key must cover its reads too, and its own key must cover them.
            for value in node.values:
                self.read(value, scope)
            inner = Scope(_key_paths(node), scope.bound)
            self.nodes(node.nodelist, inner)
            self.nodes(node.nodelist, scope)
            return
        if isinstance(node, VariableNode):
            self.read(node.filter_expression, scope)
            return
        if isinstance(node, ForNode):
            self.read(node.sequence, scope)
            self.nodes(node.nodelist_loop, scope.binding(*node.loopvars))
            self.nodes(node.nodelist_empty, scope)
            return
        if isinstance(node, WithNode):
            for value in node.extra_context.values():
                self.read(value, scope)
            self.nodes(node.nodelist, scope.binding(*node.extra_context))
            return
        if isinstance(node, BlockTranslateNode):
            for value in node.extra_context.values():
                self.read(value, scope)
            inner = scope.binding(*node.extra_context, *([node.countervar] if node.countervar else []))
            if node.counter is not None:
                self.read(node.counter, scope)
            for token in [*node.singular, *(node.plural or [])]:
                if token.token_type == TokenType.VAR and not inner.covers((token.contents,)):
                    self.leaks.append(f"{self.where}: reads {token.contents}")
            return
        if isinstance(node, IncludeNode):
            for value in node.extra_context.values():
                self.read(value, scope)
            inner = scope.binding(*node.extra_context)
            if node.isolated_context:
                inner = Scope([], set(node.extra_context))
            name = node.template.var
            assert isinstance(name, str), f"{self.where}: include by a variable cannot be checked"
            self.nodes(loader.get_template(name).template.nodelist, inner)
            return
        self.generic(node, scope, seen=set())

    def generic(self, obj: object, scope: Scope, *, seen: set[int]) -> None:
        """Any other tag (if, url, translate, simple tags...): every expression it holds is
        a read, every node list it holds is rendered."""
        if id(obj) in seen:
            return
        seen.add(id(obj))
        for name, value in vars(obj).items():
            if name in ("token", "origin", "source"):
                continue
            self.value(value, scope, seen)

    def value(self, value: object, scope: Scope, seen: set[int]) -> None:
        if isinstance(value, FilterExpression):
            self.read(value, scope)
        elif isinstance(value, NodeList):
            self.nodes(value, scope)
        elif isinstance(value, Node):
            self.node(value, scope)
        elif isinstance(value, (list, tuple)):
            for item in value:
                self.value(item, scope, seen)
        elif isinstance(value, dict):
            for item in value.values():
                self.value(item, scope, seen)
        elif isinstance(value, TokenBase):
            self.generic(value, scope, seen=seen)  # the operands of {% if %}


def _fragments(nodelist: NodeList) -> list[FragmentNode]:
    found = []
    for node in nodelist:
        if isinstance(node, FragmentNode):
            found.append(node)
            continue  # inner fragments are checked within the outer one
        for attr in node.child_nodelists:
            found.extend(_fragments(getattr(node, attr, None) or []))
    return found


def _templates() -> list[str]:
    root = Path(settings.BASE_DIR) / "templates"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.html") if "{% fragment" in p.read_text())


def leaks_in(template_name: str) -> list[str]:
    template = loader.get_template(template_name).template
    leaks = []
    for fragment in _fragments(template.nodelist):
        walker = Walker(f"{template_name} fragment {fragment.name.token}")
        walker.nodes(fragment.nodelist, Scope(_key_paths(fragment)))
        leaks += walker.leaks
    return leaks


def test_the_project_has_fragments_to_check():
    assert len(_templates()) >= 5


@pytest.mark.parametrize("template_name", _templates())
def test_each_fragment_reads_only_what_its_key_holds(template_name):
    assert leaks_in(template_name) == []


def _leaks_of(source: str) -> list[str]:
    template = engines["django"].from_string("{% load fragments %}" + source).template
    leaks = []
    for fragment in _fragments(template.nodelist):
        walker = Walker("inline")
        walker.nodes(fragment.nodelist, Scope(_key_paths(fragment)))
        leaks += walker.leaks
    return leaks


@pytest.mark.parametrize(
    "source",
    [
        "{% fragment 'f' complaint.reference %}{{ complaint.lender.name }}{% endfragment %}",
        "{% fragment 'f' a %}{{ a.x|default:b }}{% endfragment %}",
        "{% fragment 'f' a %}{% if request.user.is_staff %}x{% endif %}{% endfragment %}",
        "{% fragment 'f' a %}{% for x in rows %}{{ x }}{% endfor %}{% endfragment %}",
        "{% fragment 'f' a %}{% url 'home' %}{% url 'x' other.pk %}{% endfragment %}",
        "{% fragment 'f' flag|yesno:'1,0' %}{{ flag.name }}{% endfragment %}",
        "{% fragment 'f' form_key %}{{ form }}{% endfragment %}",
        "{% load i18n %}{% fragment 'f' a %}{% blocktranslate %}{{ who }}{% endblocktranslate %}{% endfragment %}",
        "{% fragment 'f' a %}{% fragment 'g' b %}{{ b }}{% endfragment %}{% endfragment %}",
    ],
)
def test_the_check_finds_a_read_outside_the_key(source):
    assert _leaks_of(source)


@pytest.mark.parametrize(
    "source",
    [
        "{% fragment 'f' complaint %}{{ complaint.lender.name }}{% endfragment %}",
        "{% fragment 'f' rows %}{% for x in rows %}{{ x.name }}{{ forloop.counter }}{% endfor %}{% endfragment %}",
        "{% fragment 'f' a %}{% with b=a.c %}{{ b.d }}{% endwith %}{% csrf_token %}{% endfragment %}",
        "{% load i18n %}{% fragment 'f' n %}{% blocktranslate count c=n %}{{ c }} x{% plural %}{{ c }} xs{% endblocktranslate %}{% endfragment %}",
    ],
)
def test_the_check_accepts_reads_the_key_covers(source):
    assert _leaks_of(source) == []
