from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from lib.tasks import run_claim

from . import services
from .models import MAX_PROCESSING_ATTEMPTS


@shared_task(
    bind=True,
    autoretry_for=(services.TransientProcessingError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=MAX_PROCESSING_ATTEMPTS,
)
def process_evidence(self: Any, evidence_id: int) -> None:
    services.evidence_process(evidence_id=evidence_id, claim=run_claim(self))


@shared_task
def process_stalled_evidence() -> int:
    """Picks up files whose processing message was lost (broker down at upload), whose
    processing failed on a passing fault, or whose worker died with the file claimed."""
    ids = services.evidence_reclaim_stalled(now=timezone.now())
    for evidence_id in ids:
        process_evidence.delay(evidence_id)
    return len(ids)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def redact_reading(reading_id: int, version: int) -> bool:
    from .readings import reading_redact

    return reading_redact(reading_id=reading_id, version=version)
