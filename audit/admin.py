from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.http import HttpRequest

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created", "actor_label", "action", "complaint", "detail")
    list_filter = ("action",)
    search_fields = ("actor_label", "complaint__reference", "detail")
    date_hierarchy = "created"
    list_select_related = ("complaint",)
    show_full_result_count = False

    # Append-only: nobody edits or removes the trail, not even an administrator.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(LogEntry)
class AdminChangeAdmin(admin.ModelAdmin):
    """Changes made in the admin, the regulator directory and its CSV imports included;
    Django writes these itself, the trail only makes them searchable."""

    list_display = ("action_time", "user", "content_type", "object_repr", "action_flag", "change_message")
    list_filter = ("action_flag", "content_type")
    search_fields = ("object_repr", "user__username", "change_message")
    date_hierarchy = "action_time"
    list_select_related = ("user", "content_type")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
