"""Small things every form on a phone needs."""

from __future__ import annotations

from django import forms
from django.db.models.fields import BLANK_CHOICE_DASH
from django.utils.choices import CallableChoiceIterator
from django.utils.translation import gettext_lazy as _

_DASHES = BLANK_CHOICE_DASH[0][1]


def name_empty_choices(form: forms.BaseForm | type[forms.BaseForm]) -> None:
    """A select's empty choice says "please choose" (请选择) instead of Django's
    "---------", which reads as broken in Chinese and as nothing to a screen reader.

    Given a form class, its `base_fields` are changed once, and every form made from it
    copies them as they are: the filing form's three incident forms no longer rebuild
    their choices on each request."""
    fields = form.base_fields if isinstance(form, type) else form.fields
    for field in fields.values():
        if isinstance(field, forms.ModelChoiceField):
            if field.empty_label == _DASHES:
                field.empty_label = _("Please choose")
        elif isinstance(field, forms.ChoiceField):
            if isinstance(field.choices, CallableChoiceIterator):
                # Computed when shown (often a query): left lazy, with its own empty label.
                continue
            choices = list(field.choices)
            if choices and choices[0][0] in ("", None) and choices[0][1] == _DASHES:
                field.choices = [("", _("Please choose")), *choices[1:]]
