from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from complaints.models import HarassmentKind, LicenceType, Province

from . import services, workdays
from .forms import ConductRuleAdminForm, CsvUploadForm, RegulatorAdminForm
from .models import ConductRule, Escalation, HolidayOverride, Regulator, RegulatorKind
from .selectors import CHECK_EVERY, regulators_needing_check


class NeedsCheckingFilter(admin.SimpleListFilter):
    title = _("needs checking")
    parameter_name = "needs_checking"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("yes", _("Yes: never checked, or not for a year")),
            ("no", _("No: checked within a year")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Regulator]) -> QuerySet[Regulator]:
        # The clock is read per request, never at import time.
        now = timezone.now()
        if self.value() == "yes":
            return regulators_needing_check(queryset, now=now)
        if self.value() == "no":
            return queryset.filter(verified_at__gte=now - CHECK_EVERY)
        return queryset


@admin.register(Regulator)
class RegulatorAdmin(admin.ModelAdmin):
    form = RegulatorAdminForm
    list_display = ("name_zh", "name_en", "kind", "province", "hotline", "active", "verified_at")
    list_filter = ("kind", "province", "active", NeedsCheckingFilter)
    search_fields = ("name_zh", "name_en", "hotline")
    # Seeding recognises its entries by seed_key; editing it would make the seed add a twin.
    readonly_fields = ("seed_key", "created", "updated")
    actions = ("export_csv", "mark_verified")
    change_list_template = "admin/regulators/regulator/change_list.html"
    fieldsets = (
        (None, {"fields": ("name_zh", "name_en", "kind", "province", "city_code", "active")}),
        (_("Channels"), {"fields": ("hotline", "website", "email", "postal_address", "in_person")}),
        (_("What it covers"), {"fields": ("licence_types", "harassment_kinds")}),
        (
            _("Response deadline"),
            {"fields": ("deadline_days", "deadline_working_days", "deadline_rule", "deadline_source")},
        ),
        (_("Notes"), {"fields": ("notes", "notes_en")}),
        (_("Checks"), {"fields": ("verified_at", "seed_key", "created", "updated")}),
    )

    def get_urls(self) -> list[URLPattern]:
        import_view = self.admin_site.admin_view(self.import_csv_view)
        return [
            path("import/", import_view, name="regulators_regulator_import"),
            *super().get_urls(),
        ]

    @admin.action(description=_("Export the selected regulators as CSV"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Regulator]) -> HttpResponse:
        content = services.regulators_export_csv(regulators=queryset.order_by("pk"))
        filename = f"regulators-{timezone.localdate():%Y%m%d}.csv"
        return HttpResponse(
            content,
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @admin.action(description=_("Mark the selected regulators as checked now"), permissions=["change"])
    def mark_verified(self, request: HttpRequest, queryset: QuerySet[Regulator]) -> None:
        count = services.regulators_mark_verified(regulators=queryset, now=timezone.now())
        self.message_user(
            request,
            ngettext("%d regulator marked as checked.", "%d regulators marked as checked.", count) % count,
            messages.SUCCESS,
        )

    def has_import_permission(self, request: HttpRequest) -> bool:
        # An import both adds and changes entries, so it needs both permissions.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def import_csv_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        result = None
        if request.method == "POST":
            form = CsvUploadForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    result = services.regulators_import_csv(data=form.cleaned_data["file"].read())
                except services.RegulatorImportError as e:
                    form.add_error("file", str(e))
                else:
                    self._log_import(request, result)
        else:
            form = CsvUploadForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import regulators from CSV"),
            "form": form,
            "result": result,
            "columns": services.EXPORT_FIELDS,
            "kinds": RegulatorKind.choices,
            "licence_types": LicenceType.choices,
            "harassment_kinds": HarassmentKind.choices,
            "provinces": Province.choices,
        }
        return TemplateResponse(request, "admin/regulators/regulator/import.html", context)

    def _log_import(self, request: HttpRequest, result: services.ImportResult) -> None:
        # The admin's history shows who imported what, as for a change made by hand.
        for regulator in result.created:
            self.log_addition(request, regulator, [{"added": {}}])
        for regulator in result.updated:
            self.log_change(request, regulator, gettext("Changed by CSV import."))
        level = messages.WARNING if result.errors else messages.SUCCESS
        self.message_user(
            request,
            gettext("Import finished: %(created)d added, %(updated)d updated, %(errors)d rows with errors.")
            % {"created": len(result.created), "updated": len(result.updated), "errors": len(result.errors)},
            level,
        )


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day",)
    search_fields = ("note",)
    date_hierarchy = "date"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Say which years still need the State Council's schedule typed in here.
        today = timezone.localdate()
        last = workdays.last_official_year(today)
        missing = [y for y in (today.year, today.year + 1) if not workdays.official_schedule_known(y)]
        if missing:
            self.message_user(
                request,
                gettext(
                    "The holidays package has the official schedule, with make-up working days, up to "
                    "%(last)s. For %(years)s it knows only the statutory holidays: enter the State "
                    "Council's schedule here (holidays unticked, make-up working days ticked) once it is "
                    "published."
                )
                % {"last": last or "-", "years": ", ".join(str(y) for y in missing)},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)


@admin.register(ConductRule)
class ConductRuleAdmin(admin.ModelAdmin):
    """The collection-conduct rules incidents are checked against (regulators.conduct).

    A change here changes every complaint page and every letter generated from then on;
    letters a borrower already edited and saved keep their text.
    """

    form = ConductRuleAdminForm
    list_display = (
        "name_zh",
        "name_en",
        "check_kind",
        "max_per_day",
        "quiet_from",
        "quiet_until",
        "possible_only",
        "confirmed",
        "active",
        "order",
    )
    list_filter = ("check_kind", "confirmed", "active", "possible_only")
    search_fields = ("code", "name_zh", "name_en", "description_zh", "description_en", "source")
    fieldsets = (
        (
            None,
            {"fields": ("code", "name_zh", "name_en", "description_zh", "description_en", "active", "order")},
        ),
        (
            _("What is checked"),
            {
                "fields": (
                    "check_kind",
                    "channels",
                    "incident_kinds",
                    "max_per_day",
                    "quiet_from",
                    "quiet_until",
                    "possible_only",
                )
            },
        ),
        (_("Source"), {"fields": ("source", "source_reference", "confirmed")}),
        (_("Changes"), {"fields": ("created", "updated")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Seeding recognises its rules by code: a changed code would make the seed add a twin.
        return ("code", "created", "updated") if obj is not None else ("created", "updated")


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    """Read-only: escalations change through the services, which write the timeline."""

    list_display = ("complaint", "lender", "regulator", "channel", "sent_at", "due_at", "status")
    list_filter = ("status", "channel")
    search_fields = ("complaint__reference", "reference")
    list_select_related = ("complaint", "lender", "regulator")
    raw_id_fields = ("complaint", "lender", "regulator", "answer_document", "created_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
