"""Admin pages whose saves and deletes change data that caches summarise."""

from __future__ import annotations

from typing import Any

from django.db import models

from . import versions

# Django 6 reads a web address typed without its scheme as https://, and Django 5 warns
# until each form says so: directory and registry links are https today anyway.
HTTPS_URL_FIELDS: dict[Any, dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


class VersionedAdminMixin:
    """Bumps `versions_bumped` (lib.versions names) after every change made here, inlines
    and bulk deletes included: the admin writes rows without going through the services."""

    versions_bumped: tuple[str, ...] = ()

    def _bump(self) -> None:
        for name in self.versions_bumped:
            versions.bump(name)

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        self._bump()

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        self._bump()

    def delete_model(self, request: Any, obj: Any) -> None:
        super().delete_model(request, obj)  # type: ignore[misc]
        self._bump()

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        self._bump()
