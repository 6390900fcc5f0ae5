from __future__ import annotations

from time import monotonic
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


# Submissions share a sweep: one queues it to start this many seconds later, and those
# that follow within them need none of their own, as it starts after they committed.
NUDGE_DELAY_SECONDS = 5


class _Nudge:
    """Until when (this process's monotonic clock) a sweep it queued is still to start."""

    pending_until = 0.0


def nudge_sweep() -> None:
    """Have a sweep run within NUDGE_DELAY_SECONDS (complaints.hooks.on_submitted; called
    after commit), so the borrower hears at once that the complaint arrived. Under load
    that is one sweep, and one message to the broker, per few seconds and web worker
    instead of one per submission (`make bench`: a filing's publish cost 0.6 ms)."""
    now = monotonic()
    if now < _Nudge.pending_until:
        return
    sweep.apply_async(countdown=NUDGE_DELAY_SECONDS)
    # A second short of the delay: the worker's clock may run a little ahead of this one.
    _Nudge.pending_until = now + NUDGE_DELAY_SECONDS - 1


def forget_nudge() -> None:
    """The next submission queues its own sweep (tests start each from nothing)."""
    _Nudge.pending_until = 0.0


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
