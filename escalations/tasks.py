"""Jobs of the regulators app: thin, they only call services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import pdfs, sending
from .services import escalations_mark_overdue

# A letter within MAX_LETTER_CHARS renders in a few seconds; a minute means something is
# wrong, and the row is marked failed rather than tried again.
RENDER_SOFT_TIME_LIMIT = 60
RENDER_TIME_LIMIT = 90


@shared_task
def mark_overdue_escalations() -> int:
    return escalations_mark_overdue(now=timezone.now())


@shared_task(
    autoretry_for=(pdfs.LetterPdfRetry,),
    retry_backoff=5,
    retry_backoff_max=60,
    max_retries=pdfs.MAX_ATTEMPTS - 1,
    soft_time_limit=RENDER_SOFT_TIME_LIMIT,
    time_limit=RENDER_TIME_LIMIT,
)
def render_letter_pdf(letter_pdf_id: int) -> None:
    pdfs.letter_pdf_render(letter_pdf_id=letter_pdf_id, now=timezone.now())


@shared_task(
    autoretry_for=(sending.LetterEmailRetry,),
    # 30 s, 1, 2, 4 minutes...: a mail server that is down for a while gets time.
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=sending.MAX_SEND_ATTEMPTS - 1,
)
def send_letter_email(letter_email_id: int) -> bool:
    return sending.letter_email_deliver(letter_email_id=letter_email_id, now=timezone.now())


@shared_task
def requeue_letter_emails() -> int:
    return sending.letter_emails_requeue(now=timezone.now())
