from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from lib.admin import VersionedAdminMixin

from . import schedules, workdays
from .conduct import RULES_VERSION
from .forms import ConductRuleAdminForm
from .models import ConductRule, Escalation, HolidayOverride, HolidaySchedule, LetterEmail


class RecountsDeadlinesMixin:
    """A change to the calendar recounts the due dates still running (schedules.py)."""

    def _recount(self, request: HttpRequest, year: int) -> None:
        moved = schedules.deadlines_recount(since_year=year, now=timezone.now())
        if moved:
            self.message_user(  # type: ignore[attr-defined]
                request,
                ngettext(
                    "%(n)d due date was counted again with this calendar.",
                    "%(n)d due dates were counted again with this calendar.",
                    len(moved),
                )
                % {"n": len(moved)},
                messages.INFO,
            )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        self._recount(request, self._year(obj))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)  # type: ignore[misc]
        self._recount(request, self._year(obj))

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        years = [self._year(obj) for obj in queryset]
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        if years:
            self._recount(request, min(years))

    def _year(self, obj: Any) -> int:
        raise NotImplementedError


@admin.register(HolidaySchedule)
class HolidayScheduleAdmin(RecountsDeadlinesMixin, admin.ModelAdmin):
    """ "The State Council's schedule for year N is entered in full": due dates in N stop
    being estimates, and the ones still running are counted again."""

    list_display = ("year", "source", "created")
    readonly_fields = ("created",)

    def _year(self, obj: Any) -> int:
        return obj.year


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(RecountsDeadlinesMixin, admin.ModelAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day",)
    search_fields = ("note",)
    date_hierarchy = "date"

    def _year(self, obj: Any) -> int:
        return obj.date.year

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Say which years still need the State Council's schedule typed in here.
        today = timezone.localdate()
        last = workdays.last_official_year(today)
        missing = workdays.missing_years(today)
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
            self.message_user(
                request,
                gettext(
                    "Then add the year under “Holiday schedules entered”: until you do, due dates in it "
                    "are shown as estimates."
                ),
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


@admin.register(LetterEmail)
class LetterEmailAdmin(admin.ModelAdmin):
    """Read-only: which letters the app emailed, to where, and why one failed. The borrower
    retries from the complaint page; admins see a failing address here."""

    list_display = ("escalation", "to_address", "state", "attempts", "created", "sent_at")
    list_filter = ("state",)
    search_fields = ("escalation__complaint__reference", "to_address")
    list_select_related = ("escalation",)
    raw_id_fields = ("escalation", "requested_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
