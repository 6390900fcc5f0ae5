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


@worker_init.connect
def _prepare_worker(**_: object) -> None:
    ensure_broker_folders()
