from __future__ import annotations

import os

from django.apps import AppConfig
from django.conf import settings


def ensure_broker_folders() -> None:
    """The filesystem transport does not create its folders, and fails without them."""
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if key in options:
            os.makedirs(options[key], exist_ok=True)


class LibConfig(AppConfig):
    name = "lib"
    verbose_name = "Shared helpers"

    def ready(self) -> None:
        # Both the web process and the worker publish to the filesystem broker, and
        # kombu does not create its folders: make them wherever the app starts. The
        # static folder too, which whitenoise expects even before collectstatic ran.
        ensure_broker_folders()
        for folder in (settings.DATA_DIR, settings.MEDIA_ROOT, settings.STATIC_ROOT):
            os.makedirs(folder, exist_ok=True)
