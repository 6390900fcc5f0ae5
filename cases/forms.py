from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.db import connection
from django.db.models import QuerySet, Value
from django.utils.translation import gettext_lazy as _

from complaints.models import HarassmentKind, Institution, Lender, Province, Status

from .followups import TEXT_LIMIT
from .models import FollowUp
from .selectors import SORTS

PAGE_SIZES = (25, 50, 100)


def _lenders() -> QuerySet[Lender]:
    # Only confirmed, surviving lenders: a dropdown of every name borrowers typed would grow without end.
    return Lender.objects.filter(merged_into__isnull=True, confirmed=True).order_by("name")


def _institutions() -> QuerySet[Institution]:
    return Institution.objects.filter(merged_into__isnull=True, confirmed=True).order_by("name")


@functools.cache
def _names_sql(vendor: str) -> tuple[str, tuple[Any, ...]]:
    """The SQL of the lenders' and funders' names, as (list number, id, name) rows: always
    the same query, so it is compiled once per process (the ORM took longer to compile
    it than the database to answer it, on every view of the queue)."""
    both = _lenders().order_by().annotate(list_no=Value(0)).values_list("list_no", "pk", "name")
    both = both.union(
        _institutions().order_by().annotate(list_no=Value(1)).values_list("list_no", "pk", "name"), all=True
    )
    sql, params = both.order_by("list_no", "name").query.get_compiler(connection=connection).as_sql()
    return sql, tuple(params)


class QueueSearchForm(forms.Form):
    """The search box, apart from the filters: the filters' HTML is cached under what they
    hold, and a search text (often a borrower's number) must not become a cache entry."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)


class QueueFilterForm(forms.Form):
    """The queue's filters; GET parameters, so any view of the queue can be bookmarked."""

    status = forms.MultipleChoiceField(
        label=_("Status"),
        required=False,
        choices=[(s.value, s.label) for s in Status if s != Status.DRAFT],
        widget=forms.CheckboxSelectMultiple,
    )
    lender = forms.ModelChoiceField(label=_("Lender"), required=False, queryset=Lender.objects.none())
    funding = forms.ModelChoiceField(
        label=_("Funding institution"), required=False, queryset=Institution.objects.none()
    )
    # Fixed lists, normalised once rather than for every page of the queue.
    kind = forms.ChoiceField(
        label=_("Kind of harassment"), required=False, choices=[("", _("Any")), *HarassmentKind.choices]
    )
    province = forms.ChoiceField(
        label=_("Province"), required=False, choices=[("", _("Any")), *Province.choices]
    )
    assigned = forms.ChoiceField(
        label=_("Assigned"),
        required=False,
        choices=[("", _("Anyone or nobody")), ("me", _("To me")), ("none", _("Unassigned"))],
    )
    overdue = forms.BooleanField(label=_("An answer is overdue"), required=False)
    waiting = forms.BooleanField(label=_("Waiting for the borrower"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("recent", _("Latest change")),
            ("oldest", _("Oldest change")),
            ("due", _("Next deadline")),
            ("filed", _("Newest filed")),
        ],
    )
    per_page = forms.TypedChoiceField(
        label=_("Per page"), required=False, coerce=int, choices=[(n, n) for n in PAGE_SIZES], empty_value=25
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Kept for validating a chosen one; the lists of names are read in one query.
        self.fields["lender"].queryset = _lenders()
        self.fields["funding"].queryset = _institutions()
        named: dict[int, list[tuple[int, str]]] = {0: [], 1: []}
        with connection.cursor() as cursor:
            cursor.execute(*_names_sql(connection.vendor))
            for list_no, pk, name in cursor.fetchall():
                named[list_no].append((pk, name))
        self.fields["lender"].choices = [("", _("Any")), *named[0]]
        self.fields["funding"].choices = [("", _("Any")), *named[1]]

    def cleaned_or_defaults(self) -> dict[str, Any]:
        data = dict(self.cleaned_data) if self.is_valid() else dict.fromkeys(self.fields)
        data["sort"] = data.get("sort") if data.get("sort") in SORTS else "recent"
        data["per_page"] = data.get("per_page") or 25
        return data


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Hand over to"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, caseworkers: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody (release the case)")), *caseworkers]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note (borrowers never see it)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InfoRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Ask the borrower for"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The borrower sees this and is reminded until they answer."),
    )


class InfoAnswerForm(forms.Form):
    response = forms.CharField(
        label=_("Your answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class EvidenceReviewForm(forms.Form):
    usable = forms.TypedChoiceField(
        label=_("Usable?"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Usable")), ("no", _("Not usable"))],
    )
    reason = forms.CharField(label=_("Why"), required=False, max_length=300)


class FollowUpForm(forms.Form):
    """Did the harassment stop? (cases.followups)"""

    answer = forms.ChoiceField(
        label=_("Did the harassment stop?"),
        choices=FollowUp.Answer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the answers.")},
    )
    text = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_LIMIT}),
        help_text=_("For example: who still calls, and how often. Advocates read it."),
    )
