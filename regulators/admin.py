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

from . import services
from .forms import CsvUploadForm, RegulatorAdminForm
from .models import Regulator, RegulatorKind
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
