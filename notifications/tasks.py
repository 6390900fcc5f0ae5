from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from complaints.hooks import CaseActivity
from lib.tasks import Nudge, run_claim

from . import services


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=600, max_retries=3)
def sweep(self: Any) -> dict[str, int]:
    """Plan, cancel and send reminders. Beat runs it on a schedule; submissions nudge it."""
    result = services.sweep(now=timezone.now(), claim=run_claim(self))
    return {"planned": result.planned, "cancelled": result.cancelled, "sent": result.sent}


# Submissions share a sweep (lib.tasks.Nudge): it starts this many seconds after the first.
NUDGE_DELAY_SECONDS = 5
_sweep_nudge = Nudge(NUDGE_DELAY_SECONDS)


def nudge_sweep() -> None:
    """Have a sweep run within NUDGE_DELAY_SECONDS (complaints.hooks.on_submitted; called
    after commit), so the borrower hears at once that the complaint arrived."""
    _sweep_nudge.send(sweep)


def forget_nudge() -> None:
    _sweep_nudge.forget()


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
