"""Small things every form on a phone needs."""

from __future__ import annotations

import copy
from typing import Any

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
    their choices on each request. A class's fixed choices are also shared by the
    copies, instead of copied and checked again for every form (SharedChoices)."""
    given_class = isinstance(form, type)
    fields = form.base_fields if given_class else form.fields
    for name, field in fields.items():
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
            if given_class and isinstance(field.widget, forms.widgets.ChoiceWidget):
                fields[name] = _sharing_choices(field)


class SharedChoices:
    """For a choice field on a form class: the copy each form makes of it shares the
    field's choices (and its widget's) instead of copying them and checking them again.

    Django's copy of a choice field copies its choices, then its widget re-checks them
    as they are set: every choice, for every choice field, of every form, on every
    request (a fifth of the time the filing form's four forms take to check). Choices
    here are replaced whole (`field.choices = ...`, which sets new lists on the field and
    its widget) and never changed in place, so a shared list cannot leak from one form
    to another. What else Django's copies copy (the field's error messages and
    validators, the widget's attributes) is copied here too."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        result = copy.copy(self)
        memo[id(self)] = result
        widget = copy.copy(self.widget)  # type: ignore[attr-defined]
        widget.attrs = self.widget.attrs.copy()  # type: ignore[attr-defined]
        memo[id(self.widget)] = widget  # type: ignore[attr-defined]
        result.widget = widget
        result.error_messages = self.error_messages.copy()  # type: ignore[attr-defined]
        result.validators = self.validators[:]  # type: ignore[attr-defined]
        return result


_sharing_classes: dict[type, type] = {}


def _sharing_choices(field: forms.ChoiceField) -> forms.ChoiceField:
    """A copy of the field as it is, of a class that shares its choices when copied."""
    cls = type(field)
    if issubclass(cls, SharedChoices):
        return field
    if cls not in _sharing_classes:
        _sharing_classes[cls] = type(cls.__name__, (SharedChoices, cls), {"__module__": cls.__module__})
    shared = copy.copy(field)
    shared.__class__ = _sharing_classes[cls]
    return shared
