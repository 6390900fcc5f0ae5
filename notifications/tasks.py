from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from lib.tasks import run_claim

from . import services


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=600, max_retries=3)
def sweep(self: Any) -> dict[str, int]:
    """Plan, cancel and send reminders. Beat runs it on a schedule; submissions nudge it."""
    result = services.sweep(now=timezone.now(), claim=run_claim(self))
    return {"planned": result.planned, "cancelled": result.cancelled, "sent": result.sent}


def nudge_sweep() -> None:
    """Queue a sweep now (complaints.hooks.on_submitted; called after commit)."""
    sweep.delay()
