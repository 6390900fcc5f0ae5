from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as BaseTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from lib.admin import VersionedAdminMixin

from .devices import forget_device_answer
from .models import PEOPLE_VERSION, User


@admin.register(User)
class UserAdmin(VersionedAdminMixin, BaseUserAdmin):
    versions_bumped = (PEOPLE_VERSION,)
    list_display = ("username", "phone", "email", "display_name", "role", "is_active", "date_joined")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "phone", "email", "display_name")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Product"), {"fields": ("role", "phone", "display_name", "language")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Product"), {"fields": ("role", "phone", "email", "display_name")}),
    )


# django-otp's own admin for devices, plus forgetting the cached "has a device" answer of
# every person whose devices an admin changes (a lost phone removed must count at once).
admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(BaseTOTPDeviceAdmin):
    def save_model(self, request: Any, obj: TOTPDevice, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        forget_device_answer(obj.user_id)

    def delete_model(self, request: Any, obj: TOTPDevice) -> None:
        super().delete_model(request, obj)
        forget_device_answer(obj.user_id)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        user_ids = set(queryset.values_list("user_id", flat=True))
        super().delete_queryset(request, queryset)
        for user_id in user_ids:
            forget_device_answer(user_id)
