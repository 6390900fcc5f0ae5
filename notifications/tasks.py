from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from complaints.hooks import CaseActivity
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


@shared_task
def send_now(delivery_ids: list[int]) -> int:
    """Email and SMS of a case's activity, sent as it happens. No retry of its own: a failed
    send is marked failed, and the sweep retries it like any other."""
    return services.deliveries_send_now(ids=delivery_ids, now=timezone.now())


def tell_case_activity(event: CaseActivity) -> None:
    """complaints.hooks.on_case_activity: the notices now, their email and SMS queued once
    they are committed. If the broker is down, robust=True keeps the notices; the sweep
    sends what waits."""
    ids = services.case_activity_tell(event)
    if ids:
        transaction.on_commit(lambda: send_now.delay(ids), robust=True)
