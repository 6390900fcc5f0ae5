from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lib.admin import VersionedAdminMixin

from . import registry
from .models import (
    COMPLAINTS_VERSION,
    BrandFunder,
    Complaint,
    Incident,
    Institution,
    InstitutionSource,
    Lender,
    Outcome,
    TimelineEvent,
    Verification,
)

# A fact checked longer ago than this is due for another look.
STALE_AFTER = timedelta(days=365)
# A brand named in this many complaints without any funder known needs its funders found.
MANY_COMPLAINTS = 5


class AdminEditedMixin:
    """Marks rows an admin saved, so that seeding never overwrites them."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.admin_edited = timezone.now()
        super().save_model(request, obj, form, change)  # type: ignore[misc]


def _merge_into_first(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, merge: Any
) -> None:
    rows = list(queryset.order_by("-confirmed", "pk"))
    if len(rows) < 2:
        modeladmin.message_user(request, _("Select at least two entries to merge."), messages.WARNING)
        return
    keep = rows[0]
    moved = merge(keep=keep, duplicates=rows[1:])
    modeladmin.message_user(
        request,
        _("Merged %(count)d entries into “%(name)s”; %(moved)d complaints moved.")
        % {"count": len(rows) - 1, "name": keep.name, "moved": moved},
        messages.SUCCESS,
    )


class BrandFunderInline(admin.TabularInline):
    model = BrandFunder
    extra = 0
    fields = ("institution", "source", "state", "since", "until")
    autocomplete_fields = ("institution",)


class BrandNeedsChecking(admin.SimpleListFilter):
    title = _("needs checking")
    parameter_name = "check"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("unconfirmed", _("Not confirmed")),
            ("no_funder", _("Named in many complaints, no funder known")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Lender]) -> QuerySet[Lender]:
        if self.value() == "unconfirmed":
            return queryset.filter(confirmed=False, merged_into__isnull=True)
        if self.value() == "no_funder":
            return queryset.filter(
                merged_into__isnull=True, funder_links__isnull=True, _complaints__gte=MANY_COMPLAINTS
            )
        return queryset


@admin.register(Lender)
class LenderAdmin(AdminEditedMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "licence_type",
        "operator",
        "confirmed",
        "merged_into",
        "complaint_count",
        "created",
    )
    list_filter = (BrandNeedsChecking, "confirmed", "licence_type")
    search_fields = ("name", "other_names", "pinyin", "initials", "operator__name", "funders__name")
    list_select_related = ("merged_into", "operator")
    autocomplete_fields = ("merged_into", "operator")
    readonly_fields = ("named_by", "admin_edited", "created", "updated")
    inlines = (BrandFunderInline,)
    actions = ("confirm", "merge")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Lender]:
        return super().get_queryset(request).annotate(_complaints=Count("complaints", distinct=True))

    @admin.display(description=_("complaints"), ordering="_complaints")
    def complaint_count(self, obj: Lender) -> int:
        return obj._complaints  # type: ignore[attr-defined]

    @admin.action(description=_("Confirm the selected lenders"))
    def confirm(self, request: HttpRequest, queryset: QuerySet[Lender]) -> None:
        count = queryset.update(confirmed=True, admin_edited=timezone.now())
        self.message_user(
            request,
            ngettext("%d lender confirmed.", "%d lenders confirmed.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Merge the selected into one (a confirmed one, else the oldest)"))
    def merge(self, request: HttpRequest, queryset: QuerySet[Lender]) -> None:
        _merge_into_first(self, request, queryset, registry.brands_merge)


class InstitutionSourceInline(admin.TabularInline):
    model = InstitutionSource
    extra = 0
    fields = ("fact", "source", "state", "checked_at")


class InstitutionNeedsChecking(admin.SimpleListFilter):
    title = _("needs checking")
    parameter_name = "check"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("unconfirmed", _("Not confirmed (typed by a borrower)")),
            ("unverified", _("A fact not checked yet")),
            ("stale", _("A fact checked more than a year ago")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Institution]) -> QuerySet[Institution]:
        live = queryset.filter(merged_into__isnull=True)
        if self.value() == "unconfirmed":
            return live.filter(confirmed=False)
        if self.value() == "unverified":
            return live.filter(
                Q(sources__state__in=[Verification.UNVERIFIED, Verification.DISPUTED])
                | Q(sources__isnull=True)
            ).distinct()
        if self.value() == "stale":
            return live.filter(sources__checked_at__lt=timezone.now() - STALE_AFTER).distinct()
        return queryset


@admin.register(Institution)
class InstitutionAdmin(AdminEditedMixin, VersionedAdminMixin, admin.ModelAdmin):
    versions_bumped = (COMPLAINTS_VERSION,)
    list_display = (
        "name",
        "licence_type",
        "province",
        "credit_code",
        "confirmed",
        "merged_into",
        "complaint_count",
    )
    list_filter = (InstitutionNeedsChecking, "confirmed", "licence_type", "province")
    search_fields = ("name", "short_names", "=credit_code")
    list_select_related = ("merged_into",)
    autocomplete_fields = ("merged_into",)
    readonly_fields = ("named_by", "seed_key", "admin_edited", "created", "updated")
    inlines = (InstitutionSourceInline,)
    actions = ("confirm", "merge")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Institution]:
        return super().get_queryset(request).annotate(_complaints=Count("funded_complaints", distinct=True))

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> Any:
        # A credit code typed in lower case or with spaces still finds its institution.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            results = results | queryset.filter(registry.admin_search(search_term))
        return results, may_have_duplicates

    @admin.display(description=_("complaints"), ordering="_complaints")
    def complaint_count(self, obj: Institution) -> int:
        return obj._complaints  # type: ignore[attr-defined]

    @admin.action(description=_("Confirm the selected institutions"))
    def confirm(self, request: HttpRequest, queryset: QuerySet[Institution]) -> None:
        count = queryset.update(confirmed=True, admin_edited=timezone.now())
        self.message_user(
            request,
            ngettext("%d institution confirmed.", "%d institutions confirmed.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Merge the selected into one (a confirmed one, else the oldest)"))
    def merge(self, request: HttpRequest, queryset: QuerySet[Institution]) -> None:
        _merge_into_first(self, request, queryset, registry.institutions_merge)


class IncidentInline(admin.TabularInline):
    model = Incident
    extra = 0
    fields = ("occurred_at", "channel", "kind", "collector_id", "contacted", "contacted_count")
    show_change_link = True


class TimelineInline(admin.TabularInline):
    model = TimelineEvent
    extra = 0
    can_delete = False
    fields = ("created", "kind", "actor", "from_status", "to_status", "note", "internal")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # The timeline is append-only and written by the services, never by hand.
        return False


class ComplaintAdminForm(forms.ModelForm):
    desired_outcomes = forms.MultipleChoiceField(
        label=_("Desired outcome"),
        choices=Outcome.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Complaint
        fields = "__all__"  # noqa: DJ007 - the admin shows every field; readonly_fields guards the rest


@admin.register(Complaint)
class ComplaintAdmin(VersionedAdminMixin, admin.ModelAdmin):
    versions_bumped = (COMPLAINTS_VERSION,)
    form = ComplaintAdminForm
    list_display = (
        "reference",
        "lender",
        "funding_institution",
        "filer",
        "status",
        "province",
        "submitted_at",
        "status_changed_at",
    )
    list_filter = ("status", "province", "lender__licence_type", "filer_relation")
    search_fields = ("reference", "filer__phone", "filer__display_name", "lender__name", "summary")
    list_select_related = ("lender", "funding_institution", "filer")
    autocomplete_fields = ("lender", "funding_institution", "filer")
    date_hierarchy = "created"
    # Status changes go through the workflow so that each one lands on the timeline.
    readonly_fields = ("reference", "status", "created", "submitted_at", "status_changed_at")
    inlines = (IncidentInline, TimelineInline)
    show_full_result_count = False


@admin.register(Incident)
class IncidentAdmin(VersionedAdminMixin, admin.ModelAdmin):
    versions_bumped = (COMPLAINTS_VERSION,)
    list_display = ("complaint", "occurred_at", "channel", "kind", "collector_id")
    list_filter = ("kind", "channel")
    search_fields = ("complaint__reference", "collector_id_normalized", "description")
    list_select_related = ("complaint",)
    raw_id_fields = ("complaint",)
    show_full_result_count = False
