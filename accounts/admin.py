from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
