from __future__ import annotations

import re
import secrets
from typing import Any

from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from complaints.models import HarassmentKind, LicenceType, Province
from lib.admin import HTTPS_URL_FIELDS, VersionedAdminMixin

from . import services
from .forms import CsvUploadForm, RegulatorAdminForm
from .models import Regulator, RegulatorChange, RegulatorKind
from .selectors import CHECK_EVERY, DIRECTORY_VERSION, regulators_needing_check


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


IMPORT_WAIT_SECONDS = 30 * 60
IMPORT_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def _import_key(request: HttpRequest, token: str) -> str:
    # Tied to the admin: a token seen by someone else confirms nothing.
    return f"regulators:import:{request.user.pk}:{token}"


@admin.register(Regulator)
class RegulatorAdmin(VersionedAdminMixin, admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    form = RegulatorAdminForm
    # Deletes (one, or the bulk action); saves go through services.regulator_save, which bumps.
    versions_bumped = (DIRECTORY_VERSION,)
    list_display = ("name_zh", "name_en", "kind", "province", "hotline", "active", "verified_at")
    list_filter = ("kind", "province", "active", NeedsCheckingFilter)
    search_fields = ("name_zh", "name_en", "hotline")
    # Seeding recognises its entries by seed_key; editing it would make the seed add a twin.
    readonly_fields = ("seed_key", "created", "updated", "change_history")
    actions = ("export_csv", "mark_verified")
    change_list_template = "admin/regulators/regulator/change_list.html"
    fieldsets = (
        (None, {"fields": ("name_zh", "name_en", "kind", "province", "city_code", "active")}),
        (
            _("Channels"),
            {
                "fields": (
                    "hotline",
                    "website",
                    "email",
                    "email_failing_since",
                    "email_failure",
                    "postal_address",
                    "in_person",
                )
            },
        ),
        (_("What it covers"), {"fields": ("licence_types", "harassment_kinds")}),
        (
            _("Response deadline"),
            {"fields": ("deadline_days", "deadline_working_days", "deadline_rule", "deadline_source")},
        ),
        (_("Notes"), {"fields": ("notes", "notes_en")}),
        (_("Checks"), {"fields": ("verified_at", "seed_key", "created", "updated")}),
        (_("Changes"), {"fields": ("change_history",)}),
    )

    @admin.display(description=_("Who changed what, and when"))
    def change_history(self, obj: Regulator) -> str:
        # Shown as a table on the entry's page (not an inline: nothing here is editable).
        rows = list(obj.changes.all()[:50]) if obj.pk else []
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
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        timezone.localtime(c.created).strftime("%Y-%m-%d %H:%M"),
                        c.actor_label,
                        c.get_source_display(),
                        c.field or gettext("(added)"),
                        c.old,
                        c.new,
                    )
                    for c in rows
                ),
            ),
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
        """Upload, preview, confirm. The uploaded bytes wait in the cache under a random
        token tied to the admin between the two steps; the confirmation applies the file
        only if the directory is still as the preview saw it (services.ImportPreview)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        preview, token, form = None, "", CsvUploadForm()
        if request.method == "POST" and "confirm" in request.POST:
            token = request.POST.get("token", "")
            data = cache.get(_import_key(request, token)) if IMPORT_TOKEN.fullmatch(token) else None
            if data is None:
                self.message_user(
                    request, gettext("The preview has expired. Upload the file again."), messages.ERROR
                )
                return redirect("admin:regulators_regulator_import")
            try:
                result = services.regulators_import_csv(
                    data=data,
                    actor=request.user,
                    now=timezone.now(),
                    expected_digest=request.POST.get("digest", ""),
                )
            except services.RegulatorImportError as e:
                self.message_user(request, str(e), messages.ERROR)
                preview = services.regulators_import_preview(data=data)
            else:
                if not result.errors:
                    cache.delete(_import_key(request, token))
                    self._log_import(request, result)
                    return redirect("admin:regulators_regulator_changelist")
                preview = services.regulators_import_preview(data=data)
        elif request.method == "POST":
            form = CsvUploadForm(request.POST, request.FILES)
            if form.is_valid():
                data = form.cleaned_data["file"].read()
                try:
                    preview = services.regulators_import_preview(data=data)
                except services.RegulatorImportError as e:
                    form.add_error("file", str(e))
                else:
                    token = secrets.token_urlsafe(24)
                    cache.set(_import_key(request, token), data, IMPORT_WAIT_SECONDS)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import regulators from CSV"),
            "form": form,
            "preview": preview,
            "token": token,
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
        self.message_user(
            request,
            gettext("Import finished: %(created)d added, %(updated)d changed.")
            % {"created": len(result.created), "updated": len(result.updated)},
            messages.SUCCESS,
        )

    def save_model(self, request: HttpRequest, obj: Regulator, form: Any, change: bool) -> None:
        # Through the service, so that each changed field is recorded and a changed
        # contact clears the check (unless the admin sets a new check date in this edit).
        outcome = services.regulator_save(
            regulator=obj,
            actor=request.user,
            now=timezone.now(),
            source=RegulatorChange.Source.ADMIN,
            verified_anew="verified_at" in form.changed_data,
        )
        if outcome.unverified:
            self.message_user(
                request,
                gettext("Its contact details or deadline changed, so it is no longer marked as checked."),
                messages.WARNING,
            )
