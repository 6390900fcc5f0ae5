from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lib.admin import VersionedAdminMixin

from . import workdays
from .conduct import RULES_VERSION
from .forms import ConductRuleAdminForm
from .models import ConductRule, Escalation, HolidayOverride


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
class ConductRuleAdmin(VersionedAdminMixin, admin.ModelAdmin):
    """The collection-conduct rules incidents are checked against (escalations.conduct).

    A change here changes every complaint page and every letter generated from then on;
    letters a borrower already edited and saved keep their text.
    """

    versions_bumped = (RULES_VERSION,)

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
