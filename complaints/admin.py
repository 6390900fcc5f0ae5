from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from lib.admin import HTTPS_URL_FIELDS, VersionedAdminMixin

from . import registry, registry_csv
from .models import (
    BRANDS_VERSION,
    COMPLAINTS_VERSION,
    BrandFunder,
    Complaint,
    Incident,
    Institution,
    InstitutionSource,
    Lender,
    LicenceType,
    Outcome,
    Province,
    RegistryChange,
    TimelineEvent,
    Verification,
)

# A fact checked longer ago than this is due for another look.
STALE_AFTER = timedelta(days=365)
# A brand named in this many complaints without any funder known needs its funders found.
MANY_COMPLAINTS = 5


class AdminEditedMixin:
    """Marks rows an admin saved, so that seeding never overwrites them, and records each
    changed field with the editor (as an import does)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        now = timezone.now()
        before = type(obj).objects.filter(pk=obj.pk).first() if change else None
        obj.admin_edited = now
        super().save_model(request, obj, form, change)  # type: ignore[misc]

        def cell(row: Any, name: str) -> str:
            value = getattr(row, name, "")
            return "" if value is None else str(value)

        changes = (
            [(name, cell(before, name), cell(obj, name)) for name in form.changed_data if hasattr(obj, name)]
            if before is not None
            else [("", "", str(obj))]
        )
        registry.registry_changes_record(
            entry=obj,
            changes=[c for c in changes if c[1] != c[2]],
            source=RegistryChange.Source.ADMIN,
            actor=request.user,
            now=now,
        )


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


IMPORT_WAIT_SECONDS = 30 * 60
IMPORT_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


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


class RegistryCsvMixin:
    """Export all, and import with an all-or-nothing preview (complaints/registry_csv.py).

    For administrators only: an advocate given staff access and model permissions still
    may not, since a file rewrites the registry wholesale, routes included."""

    csv_kind = ""
    change_list_template = "admin/complaints/registry_change_list.html"

    def _may_csv(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and (user.is_superuser or getattr(user, "is_admin_role", False)))

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self._may_csv(request) and self.has_view_permission(request)  # type: ignore[attr-defined]

    def has_import_permission(self, request: HttpRequest) -> bool:
        return (
            self._may_csv(request)
            and self.has_add_permission(request)  # type: ignore[attr-defined]
            and self.has_change_permission(request)  # type: ignore[attr-defined]
        )

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta  # type: ignore[attr-defined]
        site = self.admin_site  # type: ignore[attr-defined]
        return [
            path(
                "import/",
                site.admin_view(self.import_csv_view),
                name=f"{opts.app_label}_{opts.model_name}_import",
            ),
            path(
                "export/",
                site.admin_view(self.export_csv_view),
                name=f"{opts.app_label}_{opts.model_name}_export",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
            "has_export_permission": self.has_export_permission(request),
        }
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def _export(self) -> str:
        raise NotImplementedError

    def export_csv_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_export_permission(request):
            raise PermissionDenied
        filename = f"{self.csv_kind}-{timezone.localdate():%Y%m%d}.csv"
        return HttpResponse(
            self._export(),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    def _import_key(self, request: HttpRequest, token: str) -> str:
        # Tied to the admin and the kind: a token seen by someone else confirms nothing.
        return f"registry:import:{self.csv_kind}:{request.user.pk}:{token}"

    def import_csv_view(self, request: HttpRequest) -> HttpResponse:
        """Upload, preview, confirm. The uploaded bytes wait in the cache under a random
        token between the two steps; the confirmation applies the file only if the
        registry is still as the preview saw it."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        opts = self.model._meta  # type: ignore[attr-defined]
        here = f"admin:{opts.app_label}_{opts.model_name}_import"
        preview, token, form = None, "", CsvUploadForm()
        if request.method == "POST" and "confirm" in request.POST:
            token = request.POST.get("token", "")
            stored = cache.get(self._import_key(request, token)) if IMPORT_TOKEN.fullmatch(token) else None
            if stored is None:
                self.message_user(  # type: ignore[attr-defined]
                    request, gettext("The preview has expired. Upload the file again."), messages.ERROR
                )
                return redirect(here)
            file_name, data = stored
            try:
                result = registry_csv.import_apply(
                    data=data,
                    kind=self.csv_kind,
                    actor=request.user,
                    now=timezone.now(),
                    file_name=file_name,
                    expected_digest=request.POST.get("digest", ""),
                    overwrite_confirmed=bool(request.POST.get("overwrite_ok")),
                )
            except registry_csv.RegistryImportError as e:
                self.message_user(request, str(e), messages.ERROR)  # type: ignore[attr-defined]
                preview = registry_csv.import_preview(data=data, kind=self.csv_kind)
            else:
                if not result.errors:
                    cache.delete(self._import_key(request, token))
                    for entry in result.created:
                        self.log_addition(request, entry, [{"added": {}}])  # type: ignore[attr-defined]
                    for entry in result.updated:
                        self.log_change(request, entry, gettext("Changed by CSV import."))  # type: ignore[attr-defined]
                    self.message_user(  # type: ignore[attr-defined]
                        request,
                        gettext("Import finished: %(created)d added, %(updated)d changed.")
                        % {"created": len(result.created), "updated": len(result.updated)},
                        messages.SUCCESS,
                    )
                    return redirect(f"admin:{opts.app_label}_{opts.model_name}_changelist")
                preview = registry_csv.import_preview(data=data, kind=self.csv_kind)
        elif request.method == "POST":
            form = CsvUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                data = upload.read()
                try:
                    preview = registry_csv.import_preview(data=data, kind=self.csv_kind)
                except registry_csv.RegistryImportError as e:
                    form.add_error("file", str(e))
                else:
                    token = secrets.token_urlsafe(24)
                    cache.set(self._import_key(request, token), (upload.name, data), IMPORT_WAIT_SECONDS)
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": opts,
            "title": gettext("Import %(what)s from CSV") % {"what": opts.verbose_name_plural},
            "form": form,
            "preview": preview,
            "token": token,
            "columns": registry_csv.export_columns(self.csv_kind),
            "licence_types": LicenceType.choices,
            "provinces": Province.choices,
            "states": Verification.choices,
            "is_brands": self.csv_kind == registry_csv.BRANDS,
        }
        return TemplateResponse(request, "admin/complaints/registry_import.html", context)


def _change_history(rows: list[RegistryChange]) -> str:
    if not rows:
        return gettext("No changes recorded.")
    return format_html(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
        "<tbody>{}</tbody></table>",
        gettext("When"),
        gettext("Who"),
        gettext("How"),
        gettext("Field"),
        gettext("Before"),
        gettext("After"),
        format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} {}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            (
                (
                    timezone.localtime(c.created).strftime("%Y-%m-%d %H:%M"),
                    c.actor_label,
                    c.get_source_display(),
                    c.source_detail,
                    c.field or gettext("(added)"),
                    c.old,
                    c.new,
                )
                for c in rows
            ),
        ),
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
class LenderAdmin(RegistryCsvMixin, AdminEditedMixin, VersionedAdminMixin, admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    csv_kind = registry_csv.BRANDS
    # What a typed name resolves to (registry.brand_id_find) is kept under this version.
    versions_bumped = (BRANDS_VERSION,)
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
    readonly_fields = ("named_by", "admin_edited", "created", "updated", "change_history")
    inlines = (BrandFunderInline,)
    actions = ("confirm", "merge")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Lender]:
        return super().get_queryset(request).annotate(_complaints=Count("complaints", distinct=True))

    @admin.display(description=_("complaints"), ordering="_complaints")
    def complaint_count(self, obj: Lender) -> int:
        return obj._complaints  # type: ignore[attr-defined]

    def _export(self) -> str:
        return registry_csv.brands_export_csv(
            brands=Lender.objects.select_related("operator", "merged_into").order_by("pk")
        )

    @admin.display(description=_("Who changed what, and when"))
    def change_history(self, obj: Lender) -> str:
        return _change_history(list(obj.changes.all()[:50]) if obj.pk else [])

    @admin.action(description=_("Confirm the selected lenders"))
    def confirm(self, request: HttpRequest, queryset: QuerySet[Lender]) -> None:
        count = queryset.update(confirmed=True, admin_edited=timezone.now())
        registry.brands_changed()  # an alias shared by two brands goes to the confirmed one
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
class InstitutionAdmin(RegistryCsvMixin, AdminEditedMixin, VersionedAdminMixin, admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    csv_kind = registry_csv.INSTITUTIONS
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
    readonly_fields = ("named_by", "seed_key", "admin_edited", "created", "updated", "change_history")
    inlines = (InstitutionSourceInline,)
    actions = ("confirm", "merge")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Institution]:
        return super().get_queryset(request).annotate(_complaints=Count("funded_complaints", distinct=True))

    def save_model(self, request: HttpRequest, obj: Institution, form: Any, change: bool) -> None:
        # A corrected complaint address has not bounced yet: the app may send there again
        # (escalations.sending.email_route). An admin who only clears the date does so too.
        if (
            "complaint_email" in form.changed_data
            and "complaint_email_failing_since" not in form.changed_data
        ):
            obj.complaint_email_failing_since = None
        if obj.complaint_email_failing_since is None:
            obj.complaint_email_failure = ""
        super().save_model(request, obj, form, change)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> Any:
        # A credit code typed in lower case or with spaces still finds its institution.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            results = results | queryset.filter(registry.admin_search(search_term))
        return results, may_have_duplicates

    @admin.display(description=_("complaints"), ordering="_complaints")
    def complaint_count(self, obj: Institution) -> int:
        return obj._complaints  # type: ignore[attr-defined]

    def _export(self) -> str:
        return registry_csv.institutions_export_csv(
            institutions=Institution.objects.select_related("merged_into")
            .prefetch_related("sources")
            .order_by("pk")
        )

    @admin.display(description=_("Who changed what, and when"))
    def change_history(self, obj: Institution) -> str:
        return _change_history(list(obj.changes.all()[:50]) if obj.pk else [])

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
    fields = ("created", "kind", "actor", "from_status", "to_status", "display_note", "internal")
    readonly_fields = fields

    @admin.display(description=_("why"))
    def display_note(self, obj: TimelineEvent) -> str:
        return obj.display_note

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
