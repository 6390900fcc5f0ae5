from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import services
from .models import Evidence

MAX_ATTEMPTS = 5


@shared_task(
    autoretry_for=(services.TransientProcessingError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=MAX_ATTEMPTS,
)
def process_evidence(evidence_id: int) -> None:
    services.evidence_process(evidence_id=evidence_id)


@shared_task
def process_stalled_evidence() -> int:
    """Picks up files whose processing message was lost (broker down at upload, worker killed)."""
    cutoff = timezone.now() - timedelta(minutes=10)
    stalled = Evidence.objects.filter(created__lt=cutoff, processing_attempts__lt=MAX_ATTEMPTS).filter(
        state__in=[Evidence.State.PENDING, Evidence.State.FAILED]
    )
    ids = list(stalled.values_list("pk", flat=True)[:500])
    for evidence_id in ids:
        process_evidence.delay(evidence_id)
    return len(ids)
