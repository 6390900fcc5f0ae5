"""lib.forms.SharedChoices: a form class's fixed choices are shared by the copies each
form makes of its fields, and nothing else is."""

from __future__ import annotations

import copy

from django import forms

from complaints.forms import ComplaintForm, IncidentForm, IncidentFormSet
from lib.forms import SharedChoices, name_empty_choices


class Colours(forms.Form):
    colour = forms.ChoiceField(choices=[("", "---------"), ("r", "Red"), ("g", "Green")])
    shade = forms.ChoiceField(choices=[("d", "Dark")], widget=forms.RadioSelect)
    name = forms.CharField()


name_empty_choices(Colours)


def test_a_forms_choice_fields_share_their_classs_choices_and_copy_the_rest():
    base = Colours.base_fields["colour"]
    first, second = Colours(), Colours()

    for form in (first, second):
        field = form.fields["colour"]
        assert isinstance(field, SharedChoices) and isinstance(field, forms.ChoiceField)
        assert field is not base and field.widget is not base.widget
        assert field.choices is base.choices
        assert field.widget.choices is base.widget.choices
        assert field.widget.attrs is not base.widget.attrs
        assert field.error_messages is not base.error_messages
        assert field.validators is not base.validators
    assert first.fields["colour"].widget is not second.fields["colour"].widget
    assert isinstance(first.fields["shade"], SharedChoices)
    assert not isinstance(first.fields["name"], SharedChoices)


def test_choices_replaced_on_one_form_stay_on_that_form():
    first, second = Colours(), Colours()
    first.fields["colour"].choices = [("b", "Blue")]
    first.fields["colour"].widget.attrs["class"] = "special"
    first.fields["colour"].error_messages["required"] = "Pick one"

    assert [value for value, _ in second.fields["colour"].choices] == ["", "r", "g"]
    assert [value for value, _ in second.fields["colour"].widget.choices] == ["", "r", "g"]
    assert "class" not in second.fields["colour"].widget.attrs
    assert second.fields["colour"].error_messages["required"] != "Pick one"
    assert [value for value, _ in Colours.base_fields["colour"].choices] == ["", "r", "g"]
    assert 'value="b"' in str(first["colour"]) and 'value="b"' not in str(second["colour"])


def test_a_shared_copy_renders_and_checks_as_djangos_own_copy():
    base = Colours.base_fields["colour"]
    djangos = forms.ChoiceField.__deepcopy__(base, {})  # Django's copy of the same field

    ours = copy.deepcopy(base)
    assert ours.widget.render("colour", "g") == djangos.widget.render("colour", "g")
    assert ours.clean("r") == djangos.clean("r") == "r"
    for field in (ours, djangos):
        try:
            field.clean("x")
        except forms.ValidationError as e:
            assert e.code == "invalid_choice"
        else:
            raise AssertionError("an unknown choice was accepted")


def test_the_filing_forms_share_their_fixed_choices():
    formset = IncidentFormSet(prefix="incidents")
    for form in (IncidentForm(), formset.forms[0]):
        assert isinstance(form.fields["channel"], SharedChoices)
        assert isinstance(form.fields["kind"], SharedChoices)
        assert form.fields["channel"].choices is type(form).base_fields["channel"].choices
    assert isinstance(ComplaintForm().fields["province"], SharedChoices)
