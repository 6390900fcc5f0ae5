from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from lib.admin import VersionedAdminMixin

from . import inbound as inbound_services
from . import schedules, workdays
from .conduct import RULES_VERSION
from .forms import ConductRuleAdminForm
from .models import ConductRule, Escalation, HolidayOverride, HolidaySchedule, InboundMail, LetterEmail


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


class AttachMailForm(forms.Form):
    reference = forms.CharField(label=_("Complaint reference"), max_length=20)
    target = forms.CharField(
        label=_("Sent to"),
        max_length=32,
        required=False,
        help_text=_("Only when the complaint was sent to several places: for example lender-12."),
    )


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    """The queue of inbound mail (escalations.inbound): mail that could not be put into a
    case waits here. Nothing is editable; an admin puts a mail into a case or discards it.
    The text is shown as text: an HTML mail was turned into words when it arrived, and
    the raw message is only ever downloaded, never shown in the page."""

    list_display = ("received_at", "state", "sender", "subject", "escalation_link", "handled_at")
    list_filter = ("state", "received_at", "handled_at")
    search_fields = ("sender", "subject", "message_id", "complaint__reference")
    list_select_related = ("escalation", "complaint")
    actions = ["discard"]
    fields = (
        "received_at",
        "state",
        "reason",
        "sender",
        "recipient",
        "subject",
        "message_id",
        "size",
        "sha256",
        "raw_link",
        "escalation_link",
        "handled_by",
        "handled_at",
        "notes",
        "shown_text",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("escalation"))
    def escalation_link(self, obj: InboundMail) -> str:
        if obj.escalation_id is None:
            return "-"
        return format_html(
            "{} → {}", obj.complaint.reference if obj.complaint_id else "", obj.escalation.target_key
        )

    @admin.display(description=_("raw message"))
    def raw_link(self, obj: InboundMail) -> str:
        if not obj.raw:
            return "-"
        url = reverse("admin:escalations_inboundmail_raw", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download (.eml)"))

    @admin.display(description=_("text"))
    def shown_text(self, obj: InboundMail) -> str:
        # Escaped by format_html: the text is shown, never interpreted.
        return format_html('<pre style="white-space: pre-wrap; max-width: 60em">{}</pre>', obj.text)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/attach/",
                self.admin_site.admin_view(self.attach_view),
                name="escalations_inboundmail_attach",
            ),
            path(
                "<int:pk>/raw/", self.admin_site.admin_view(self.raw_view), name="escalations_inboundmail_raw"
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        if obj is not None and obj.state == InboundMail.State.UNMATCHED and obj.handled_at is None:
            extra_context["attach_url"] = reverse("admin:escalations_inboundmail_attach", args=[obj.pk])
        return super().change_view(request, object_id, form_url, extra_context)

    def raw_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_object_or_404(InboundMail, pk=pk)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        if not obj.raw:
            raise Http404
        response = FileResponse(
            obj.raw.open("rb"),
            as_attachment=True,
            filename=f"inbound-{obj.pk}.eml",
            content_type="message/rfc822",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        return response

    def attach_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_object_or_404(InboundMail, pk=pk)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        form = AttachMailForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                escalation = inbound_services.escalation_by_reference(
                    form.cleaned_data["reference"], form.cleaned_data["target"]
                )
                inbound_services.inbound_attach(
                    inbound=obj, escalation=escalation, actor=request.user, now=timezone.now()
                )
            except inbound_services.InboundError as e:
                form.add_error(None, str(e))
            else:
                self.log_change(
                    request, obj, f"Put into {escalation.complaint.reference} {escalation.target_key}"
                )
                self.message_user(request, gettext("The mail is now in its case."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:escalations_inboundmail_change", args=[obj.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "form": form,
            "title": gettext("Put this mail into a case"),
        }
        return TemplateResponse(request, "admin/escalations/inboundmail/attach.html", context)

    @admin.action(description=_("Discard the selected mail"), permissions=["change"])
    def discard(self, request: HttpRequest, queryset: QuerySet[InboundMail]) -> None:
        now = timezone.now()
        count = sum(
            inbound_services.inbound_discard(inbound=m, actor=request.user, now=now) for m in queryset
        )
        self.message_user(
            request,
            ngettext("%d mail discarded.", "%d mails discarded.", count) % count,
            messages.SUCCESS,
        )


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
