from __future__ import annotations

import os

from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "lib"
    verbose_name = "Shared helpers"

    def ready(self) -> None:
        # Both the web process and the worker publish to the filesystem broker, and
        # kombu does not create its folders: make them wherever the app starts. The
        # static folder too, which whitenoise expects even before collectstatic ran.
        from django.conf import settings

        from config.celery import ensure_broker_folders

        ensure_broker_folders()
        for folder in (settings.DATA_DIR, settings.MEDIA_ROOT, settings.STATIC_ROOT):
            os.makedirs(folder, exist_ok=True)
