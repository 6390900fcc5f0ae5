from __future__ import annotations

import re
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import HarassmentKind, LicenceType, Province

from .models import Regulator

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


class RouteFinderForm(forms.Form):
    """The public route finder's question: which app or lender, and where the borrower lives.
    Read from the query string (`lender`, `province`, `kind`), so an answer can be shared."""

    lender = forms.CharField(
        label=_("App, brand or lender"),
        max_length=200,
        required=False,
        help_text=_(
            "The app you borrowed through (name, pinyin or initials), or the lender in your contract."
        ),
        widget=forms.TextInput(attrs={"list": "route-lender-names", "autocomplete": "off"}),
    )
    province = forms.CharField(
        label=_("Your province"),
        max_length=40,
        required=False,
        widget=forms.Select(choices=[("", _("— choose —")), *Province.choices]),
    )
    kind = forms.MultipleChoiceField(
        label=_("What the collectors did"),
        required=False,
        choices=HarassmentKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


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
