"""`add_class` renders some widgets without Django's widget templates: the HTML must be
exactly what Django's own rendering gives."""

from __future__ import annotations

import pytest
from django import forms

from cases.templatetags.case_tags import add_class

CSS = "form-control form-control-sm"


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    name = forms.CharField(help_text="Your <name>", max_length=5)
    other = forms.CharField(
        widget=forms.TextInput(attrs={"id": "own", "placeholder": 'say "hi"'}), required=False
    )


@pytest.mark.parametrize(
    "data",
    [None, {}, {"q": "", "name": "ab"}, {"q": '"><script>&amp;', "name": "far too long", "other": "x"}],
    ids=["unbound", "empty", "plain", "escaped-and-invalid"],
)
@pytest.mark.parametrize("name", ["q", "name", "other"])
def test_a_text_box_is_rendered_as_djangos_widget_renders_it(data, name):
    form = SearchForm(data)
    form.is_valid() if data is not None else None

    fast = add_class(form[name], CSS)
    django_own = form[name].as_widget(attrs={"class": CSS})

    assert fast == django_own
