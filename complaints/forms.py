from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from lib.china import CHINA_TZ
from lib.dates import PastDateField, PastDateTimeField
from lib.forms import name_empty_choices
from lib.phones import normalize_phone, parse_number_list

from .models import SERIES_NUMBERS_LIMIT, BrandFunder, Complaint, Incident, Outcome

DATETIME_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class ComplaintForm(forms.ModelForm):
    """The facts of a complaint. Lenders are typed, so a borrower can name any lender."""

    lender_name = forms.CharField(
        label=_("Lender, app or brand"),
        max_length=120,
        help_text=_("The name you know, for example 小赢卡贷 or 拍拍贷."),
        widget=forms.TextInput(attrs={"list": "lender-names", "autocomplete": "off"}),
    )
    funding_name = forms.CharField(
        label=_("Funding institution (if you know it)"),
        max_length=120,
        required=False,
        help_text=_(
            "The bank or company named as lender in your loan contract. It decides "
            "which regulator supervises the loan."
        ),
        widget=forms.TextInput(attrs={"list": "funder-names", "autocomplete": "off"}),
    )
    # "Which of these is on your contract?": the brand's known funders (set in __init__),
    # and "not listed / I don't know", which leaves the typed name (if any) to decide.
    funder_choice = forms.ChoiceField(
        label=_("Which of these is on your contract?"),
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Look in the contract for 出借人 or 贷款人. The ones lending through the app now come first."
        ),
    )
    consent_sensitive = forms.BooleanField(
        label=_(
            "I agree that my loan details and recordings that contain other people's voices are "
            "processed for this complaint, as the notice explains."
        ),
        required=False,
    )
    loan_date = PastDateField(
        label=capfirst(Complaint._meta.get_field("loan_date").verbose_name),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    desired_outcomes = forms.MultipleChoiceField(
        label=_("What do you want?"),
        choices=Outcome.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Complaint
        fields = [
            "filer_relation",
            "summary",
            "desired_outcomes",
            "province",
            "loan_amount",
            "loan_date",
            "is_overdue",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 5}),
            "is_overdue": forms.NullBooleanSelect,
        }
        help_texts = {
            "summary": _("Who contacted whom, what they said, since when. Plain words are fine."),
            "province": _("Where you live. It decides which local regulators can help."),
            "loan_amount": _("Optional. Share only what you want to share."),
        }

    def __init__(
        self, *args: Any, funder_links: Callable[[], list[BrandFunder]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Looked up only when needed (a lender ticked, or the page shown): a filing that
        # ticks none and succeeds costs no query for them.
        self._find_funder_links = funder_links or list
        self.fields["consent_sensitive"].widget.attrs.update({"class": "form-check-input"})
        # Without known funders the question is left out of the page (the script on the
        # filing page asks again once the brand is typed); the typed name then decides.
        self.fields["funder_choice"].choices = lambda: (
            funder_choices(self.funder_links) if self.funder_links else []
        )
        self.fields["funder_choice"].widget.attrs.update({"class": "form-check-input"})
        if self.instance.pk:
            self.fields["lender_name"].initial = self.instance.lender.name
            if self.instance.funding_institution_id:
                self.fields["funding_name"].initial = self.instance.funding_institution.name
            if self.instance.funding_institution_id and not self.is_bound:
                offered = {link.institution_id for link in self.funder_links}
                funder_id = self.instance.funding_institution_id
                self.fields["funder_choice"].initial = str(funder_id) if funder_id in offered else ""
        self.fields["loan_amount"].widget.attrs.update({"inputmode": "decimal", "min": "0"})

    @cached_property
    def helper(self) -> FormHelper:
        # Built when the form is rendered: a filing that succeeds never draws it.
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.layout = Layout(
            Fieldset(
                _("1. Who is collecting"),
                "lender_name",
                HTML('{% include "complaints/_funder_choice.html" %}'),
                "funding_name",
                "filer_relation",
                "province",
            ),
            Fieldset(_("2. What happened"), "summary"),
            Fieldset(_("3. What you want"), "desired_outcomes"),
            Fieldset(
                _("4. About the loan (optional)"),
                Div(
                    Div("loan_amount", css_class="col-sm-4"),
                    Div("loan_date", css_class="col-sm-4"),
                    Div("is_overdue", css_class="col-sm-4"),
                    css_class="row",
                ),
            ),
        )
        return helper

    @cached_property
    def funder_links(self) -> list[BrandFunder]:
        return self._find_funder_links()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        choice = cleaned.get("funder_choice") or ""
        if not choice:
            return cleaned
        chosen = next((link for link in self.funder_links if str(link.institution_id) == choice), None)
        if chosen is not None:
            # A ticked lender wins over what the name box still holds.
            cleaned["funding_name"] = chosen.institution.name
        elif choice == NOT_LISTED:
            # "None of these": a listed name left in the box (from an earlier save) goes.
            typed = " ".join(cleaned.get("funding_name", "").split()).casefold()
            if any(typed == link.institution.name.casefold() for link in self.funder_links):
                cleaned["funding_name"] = ""
        return cleaned

    def clean_loan_amount(self) -> Any:
        amount = self.cleaned_data.get("loan_amount")
        if amount is not None and amount < 0:
            raise forms.ValidationError(_("The amount cannot be negative."))
        return amount


NOT_LISTED = "not_listed"


def funder_label(link: BrandFunder) -> str:
    """A funder as the borrower reads it: its name, kind and place, and for a pairing that
    ended, that it did (曾经的合作机构)."""
    institution = link.institution
    parts = [institution.name, str(institution.get_licence_type_display())]
    if institution.province:
        parts.append(str(institution.get_province_display()))
    if not getattr(link, "current", True):
        if link.until is not None:
            parts.append(str(_("Former partner (until %(year)s)") % {"year": link.until.year}))
        else:
            parts.append(str(_("Not yet lending through it")))
    return " · ".join(parts)


def funder_choices(links: list[BrandFunder]) -> list[tuple[str, str]]:
    return [
        *((str(link.institution_id), funder_label(link)) for link in links),
        (NOT_LISTED, str(_("Not listed, or I don't know"))),
    ]


# Fixed choices are named once, on the class (each form copies its class's fields).
_province = ComplaintForm.base_fields["province"]
_province.choices = [("", _("— choose —")), *list(_province.choices)[1:]]
name_empty_choices(ComplaintForm)


class LendersForm(forms.Form):
    """Name the brand and the lender in the loan contract, at filing or later."""

    brand_name = forms.CharField(
        label=_("Lender, app or brand"),
        max_length=120,
        help_text=_("The app you borrowed through; its name, pinyin or initials."),
        widget=forms.TextInput(attrs={"list": "lender-names", "autocomplete": "off"}),
    )
    funder_name = forms.CharField(
        label=_("Lender named in your loan contract"),
        max_length=200,
        required=False,
        help_text=_(
            "Look in the contract for 出借人 or 贷款人: its full name, or its unified social credit code. "
            "Leave empty if you do not know."
        ),
        widget=forms.TextInput(attrs={"list": "funder-names", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class IncidentForm(forms.ModelForm):
    occurred_at = PastDateTimeField(
        label=_("When it happened"),
        help_text=_("For a series: the first call or message."),
        input_formats=DATETIME_LOCAL_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    # A contact-list blast is dozens of calls: one entry stands for them all, so that a
    # borrower does not give up logging them one by one.
    ended_at = PastDateTimeField(
        label=_("Until (the last call or message)"),
        required=False,
        help_text=_("The same day (Beijing time). For several days, record one series a day."),
        input_formats=DATETIME_LOCAL_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    series_numbers = forms.CharField(
        label=_("The numbers they used"),
        required=False,
        max_length=8000,
        help_text=_("Paste them from your call log: one per line, or separated by commas or spaces."),
        widget=forms.Textarea(attrs={"rows": 3, "inputmode": "tel", "autocomplete": "off"}),
    )

    class Meta:
        model = Incident
        fields = [
            "occurred_at",
            "channel",
            "kind",
            "collector_id",
            "contacted",
            "contacted_count",
            "third_party_number",
            "description",
            "series_count",
            "ended_at",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "series_count": _("All of them together: calls, messages, dials nobody answered."),
            "collector_id": _("The number that called or texted, or the WeChat/QQ account."),
            "third_party_number": _("Only if it helps your case. It is shown masked, like 138****5678."),
            "description": _("Their words as exactly as you remember them."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contacted_count"].widget.attrs.update({"min": "0", "inputmode": "numeric"})
        self.fields["collector_id"].widget.attrs.update({"autocomplete": "off"})
        self.fields["third_party_number"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.fields["series_count"].widget.attrs.update({"min": "1", "inputmode": "numeric"})

    @cached_property
    def helper(self) -> FormHelper:
        # Built when the form is rendered: a filing that succeeds never draws it.
        # The series part folds away (no script needed), and stays open when it holds answers.
        series_open = " open" if self._series_given() else ""
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.layout = Layout(
            Div(
                Div(Field("occurred_at"), css_class="col-sm-6"),
                Div(Field("channel"), css_class="col-sm-6"),
                css_class="row",
            ),
            "kind",
            "collector_id",
            Div(
                Div(Field("contacted"), css_class="col-sm-6"),
                Div(Field("contacted_count"), css_class="col-sm-6"),
                css_class="row",
            ),
            "third_party_number",
            "description",
            HTML(
                f'<details class="incident-series mb-3"{series_open}><summary>'
                + str(_("This was a series of calls or messages"))
                + "</summary>"
            ),
            Div(
                Div(Field("ended_at"), css_class="col-sm-6"),
                Div(Field("series_count"), css_class="col-sm-6"),
                css_class="row",
            ),
            "series_numbers",
            HTML("</details>"),
        )
        return helper

    def _series_given(self) -> bool:
        if not self.is_bound:
            return bool(self.initial.get("ended_at") or (self.initial.get("series_count") or 0) > 1)
        return any(
            (self.data.get(self.add_prefix(name)) or "").strip()
            for name in ("ended_at", "series_count", "series_numbers")
        )

    def clean_series_numbers(self) -> list[str]:
        numbers, bad = parse_number_list(self.cleaned_data.get("series_numbers", ""))
        if bad:
            raise forms.ValidationError(
                _("These are not phone numbers: %(bad)s. Remove them, or correct them.")
                % {"bad": "、".join(bad[:10])}
            )
        if len(numbers) > SERIES_NUMBERS_LIMIT:
            raise forms.ValidationError(
                _("At most %(limit)d numbers in one series; this list has %(count)d.")
                % {"limit": SERIES_NUMBERS_LIMIT, "count": len(numbers)}
            )
        return numbers

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end, count = data.get("occurred_at"), data.get("ended_at"), data.get("series_count")
        if count is not None and count < 1:
            self.add_error("series_count", _("At least one."))
        if (
            count is None
            and "series_count" not in self.errors
            and (end is not None or data.get("series_numbers"))
        ):
            self.add_error("series_count", _("How many calls or messages were there, about?"))
        if start is not None and end is not None:
            if end < start:
                self.add_error("ended_at", _("The last one cannot come before the first."))
            elif end.astimezone(CHINA_TZ).date() != start.astimezone(CHINA_TZ).date():
                self.add_error(
                    "ended_at",
                    _("A series is recorded a day at a time (Beijing time): record the next day as another."),
                )
        return data

    def clean_third_party_number(self) -> str:
        raw = self.cleaned_data.get("third_party_number", "")
        if not raw:
            return ""
        number = normalize_phone(raw)
        if not number or not 5 <= len(number) <= 15:
            raise forms.ValidationError(_("Enter a phone number, or leave this empty."))
        return number


name_empty_choices(IncidentForm)


class BaseIncidentFormSet(forms.BaseModelFormSet):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Incident.objects.none())
        super().__init__(*args, **kwargs)


IncidentFormSet = forms.modelformset_factory(
    Incident,
    form=IncidentForm,
    formset=BaseIncidentFormSet,
    extra=1,
    max_num=30,
    validate_max=True,
    can_delete=False,
)
# The factory makes a subclass whose model fields are made afresh: it is named too.
name_empty_choices(IncidentFormSet.form)


class TransitionForm(forms.Form):
    to_status = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Why (required when closing or reopening)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
