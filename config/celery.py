"""The Celery application. Tasks live in each app's `tasks.py` and are found by autodiscovery."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_init

from lib.apps import ensure_broker_folders

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _redbeat_settings() -> dict[str, object]:
    """RedBeat looks its settings up by their plain names, blind to Celery's namespace,
    and warns that it falls back to the broker's when it does not see them."""
    from django.conf import settings

    return {
        name.removeprefix("CELERY_").lower(): getattr(settings, name)
        for name in dir(settings)
        if name.startswith("CELERY_REDBEAT_")
    }


app.add_defaults(_redbeat_settings)  # lazily: the settings may still be loading here


@worker_init.connect
def _prepare_worker(**_: object) -> None:
    ensure_broker_folders()
