from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import Channel, HarassmentKind
from lib.dates import PastDateField

from .models import ConductRule, EscalationChannel


class ConductRuleAdminForm(forms.ModelForm):
    """The admin's edit form for a conduct rule: tick boxes instead of raw JSON lists."""

    channels = forms.MultipleChoiceField(
        label=_("channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Only incidents on these channels are checked and counted; none ticked means every channel."
        ),
    )
    incident_kinds = forms.MultipleChoiceField(
        label=_("kinds of incident"),
        choices=HarassmentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a check of the kind of incident: the kinds that break the rule."),
    )

    class Meta:
        model = ConductRule
        fields = [
            "code",
            "name_zh",
            "name_en",
            "description_zh",
            "description_en",
            "check_kind",
            "channels",
            "incident_kinds",
            "max_per_day",
            "quiet_from",
            "quiet_until",
            "possible_only",
            "source",
            "source_reference",
            "confirmed",
            "active",
            "order",
        ]


# --- Escalations and letters -----------------------------------------------------------


class EscalationForm(forms.Form):
    """Record where the complaint was sent. The targets are the route's steps."""

    target = forms.ChoiceField(label=_("Sent to"))
    channel = forms.ChoiceField(label=_("How"), choices=EscalationChannel.choices)
    sent_on = PastDateField(
        label=_("Date sent"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty if you have not sent it yet."),
    )
    reference = forms.CharField(
        label=_("Their reference number"),
        required=False,
        max_length=80,
        help_text=_("The case or ticket number they gave you, if any."),
    )

    def __init__(self, *args: Any, targets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets


class MarkSentForm(forms.Form):
    sent_on = PastDateField(label=_("Date sent"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Their reference number"), required=False, max_length=80)
    # Empty keeps the channel recorded when it was drafted; an email the app could not
    # send may have gone another way.
    channel = forms.ChoiceField(
        label=_("How"), choices=[("", _("As recorded")), *EscalationChannel.choices], required=False
    )


class GuidedSentForm(forms.Form):
    """ "I have sent it", on the guided-sending page: the target is the page's."""

    # Filled in with today, in the one format a date input takes whatever the language.
    sent_on = PastDateField(
        label=_("Date sent"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    channel = forms.ChoiceField(label=_("How"), choices=EscalationChannel.choices)
    reference = forms.CharField(
        label=_("Their reference number"),
        required=False,
        max_length=80,
        help_text=_("The case or ticket number they gave you, if any."),
    )


class SendLetterForm(forms.Form):
    """The borrower's choices on the page that shows the email before it goes."""

    include_phone = forms.BooleanField(
        label=_("Include my mobile number"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        help_text=_(
            "Lenders often find a loan by the phone number. Without it they can still answer by replying to the email."
        ),
    )
    include_email = forms.BooleanField(
        label=_("Include my email address"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        help_text=_("Not needed: their reply to this email comes back to your complaint here."),
    )
    # The letter, address and evidence as shown (escalations.sending.letter_digest):
    # a change since is refused.
    shown = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class AcknowledgeForm(forms.Form):
    received_on = PastDateField(
        label=_("Date they received it"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The deadline runs from this day if it is later than the day you sent it."),
    )
    reference = forms.CharField(label=_("Their reference number"), required=False, max_length=80)


SATISFIED_CHOICES = [("", _("Not sure yet")), ("yes", _("Yes")), ("no", _("No"))]


class AnswerForm(forms.Form):
    answered_on = PastDateField(label=_("Date of the answer"), widget=forms.DateInput(attrs={"type": "date"}))
    answer = forms.CharField(
        label=_("What they answered"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    satisfied = forms.ChoiceField(label=_("Are you satisfied?"), choices=SATISFIED_CHOICES, required=False)
    document = forms.FileField(
        label=_("Their letter or a screenshot (optional)"),
        required=False,
        help_text=_("Checked like any evidence file and added to the complaint's evidence."),
    )

    def clean_satisfied(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("satisfied") or "")


class CloseEscalationForm(forms.Form):
    note = forms.CharField(
        label=_("Why close it?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when there was no answer."),
    )


class LetterForm(forms.Form):
    text = forms.CharField(
        label=_("Letter"),
        # No max_length: its maxlength attribute would make the browser cut a long paste
        # silently. letters.letter_draft_save refuses an overlong letter, with its length.
        widget=forms.Textarea(attrs={"rows": 30, "lang": "zh-CN", "spellcheck": "false"}),
        strip=False,
    )
