from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lib.admin import VersionedAdminMixin

from .models import COMPLAINTS_VERSION, Complaint, Incident, Lender, Outcome, TimelineEvent


@admin.register(Lender)
class LenderAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "licence_type",
        "confirmed",
        "merged_into",
        "service_phone",
        "complaint_count",
        "created",
    )
    list_filter = ("confirmed", "licence_type")
    search_fields = ("name", "other_names")
    list_select_related = ("merged_into",)
    autocomplete_fields = ("merged_into",)
    readonly_fields = ("named_by", "created", "updated")
    actions = ("confirm",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Lender]:
        return super().get_queryset(request).annotate(_complaints=Count("complaints"))

    @admin.display(description=_("complaints"), ordering="_complaints")
    def complaint_count(self, obj: Lender) -> int:
        return obj._complaints  # type: ignore[attr-defined]

    @admin.action(description=_("Confirm the selected lenders"))
    def confirm(self, request: HttpRequest, queryset: QuerySet[Lender]) -> None:
        count = queryset.update(confirmed=True)
        self.message_user(
            request,
            ngettext("%d lender confirmed.", "%d lenders confirmed.", count) % count,
            messages.SUCCESS,
        )


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
