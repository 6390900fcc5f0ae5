from __future__ import annotations

import re
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import Channel, HarassmentKind, LicenceType, Province
from lib.dates import PastDateField

from .models import ConductRule, EscalationChannel, Regulator

# The columns an import reads, in the order an export writes them (after `id`).
IMPORT_FIELDS = [
    "name_zh",
    "name_en",
    "kind",
    "province",
    "city_code",
    "hotline",
    "website",
    "email",
    "postal_address",
    "in_person",
    "licence_types",
    "harassment_kinds",
    "deadline_days",
    "deadline_working_days",
    "deadline_rule",
    "deadline_source",
    "notes",
    "notes_en",
    "active",
]

TRUE_WORDS = {"1", "yes", "y", "true", "t", "是", "对"}
FALSE_WORDS = {"0", "no", "n", "false", "f", "否", "不"}
LIST_SEPARATORS = re.compile(r"[\s,;|，；、]+")


class DirectoryFilterForm(forms.Form):
    """The public directory's filters; read from the query string so results can be bookmarked."""

    province = forms.ChoiceField(
        label=_("Province"),
        required=False,
        choices=[("", _("All provinces")), *Province.choices],
    )
    kind_of_harm = forms.ChoiceField(
        label=_("What the collectors did"),
        required=False,
        choices=[("", _("Anything")), *HarassmentKind.choices],
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or number")}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        # The template writes the <form> tag: a GET form needs no CSRF token, and the
        # buttons sit beside the fields.
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("province", css_class="col-12 col-md-4"),
                Column("kind_of_harm", css_class="col-12 col-md-4"),
                Column("q", css_class="col-12 col-md-4"),
            )
        )


class RegulatorFormBase(forms.ModelForm):
    # Typed without a scheme, an address means https: what official portals serve.
    website = forms.URLField(
        label=_("website"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("The complaint or report portal."),
    )


class RegulatorAdminForm(RegulatorFormBase):
    """The admin's edit form: tick boxes instead of raw JSON for the two code lists."""

    licence_types = forms.MultipleChoiceField(
        label=_("licence types covered"),
        choices=LicenceType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked means any lender."),
    )
    harassment_kinds = forms.MultipleChoiceField(
        label=_("kinds of harassment covered"),
        choices=HarassmentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked means every kind."),
    )

    class Meta:
        model = Regulator
        fields = [*IMPORT_FIELDS, "verified_at"]


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


class CodeListField(forms.CharField):
    """A spreadsheet cell holding codes such as "bank; consumer_finance" → a list of codes."""

    def __init__(self, *, choices: list[tuple[str, Any]], **kwargs: Any) -> None:
        self.valid = [value for value, _label in choices]
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        codes: list[str] = []
        for code in LIST_SEPARATORS.split(text):
            if code and code not in codes:
                codes.append(code)
        return codes

    def validate(self, value: Any) -> None:
        unknown = [code for code in value if code not in self.valid]
        if unknown:
            raise forms.ValidationError(
                _("Unknown code %(unknown)s; use %(valid)s."),
                params={"unknown": ", ".join(unknown), "valid": ", ".join(self.valid)},
            )


class YesNoField(forms.Field):
    """A spreadsheet cell holding yes/no; an empty cell takes the default."""

    def __init__(self, *, default: bool, **kwargs: Any) -> None:
        self.default = default
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> bool:
        word = str(value if value is not None else "").strip().lower()
        if not word:
            return self.default
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise forms.ValidationError(_("Write yes or no."))


class RegulatorCsvForm(RegulatorFormBase):
    """Validates one spreadsheet row; the same checks as the admin's form."""

    licence_types = CodeListField(label=_("licence types covered"), choices=LicenceType.choices)
    harassment_kinds = CodeListField(label=_("kinds of harassment covered"), choices=HarassmentKind.choices)
    deadline_working_days = YesNoField(label=_("deadline counts working days"), default=False)
    active = YesNoField(label=_("active"), default=True)

    class Meta:
        model = Regulator
        fields = IMPORT_FIELDS


class CsvUploadForm(forms.Form):
    MAX_BYTES = 2 * 1024 * 1024

    file = forms.FileField(
        label=_("CSV file"), help_text=_("UTF-8 or GB18030 (Excel's default), up to 2 MB.")
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


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
