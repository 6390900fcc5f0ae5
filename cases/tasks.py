from __future__ import annotations

from datetime import datetime

from celery import shared_task

from . import collectors


@shared_task(autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=600, max_retries=5)
def refresh_waiting_collectors() -> int:
    """Recount the numbers changes left waiting (cases.collectors.recount_soon)."""
    done, more = collectors.refresh_waiting()
    if more:
        refresh_waiting_collectors.apply_async(countdown=1)
    return done


# Messages queued by the release before cases.CollectorRecount still name their numbers.
@shared_task(autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=600, max_retries=5)
def refresh_collectors(keys: list[str], changed_at: str) -> int:
    """Recount the numbers a change touched; many changes to one number share one recount."""
    return collectors.refresh(keys, changed_at=datetime.fromisoformat(changed_at))


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def refresh_all_collectors() -> int:
    return collectors.refresh_all()
