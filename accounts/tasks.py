from __future__ import annotations

from celery import shared_task
from django.core import management


@shared_task
def clear_expired_sessions() -> None:
    """Expired sessions hold who was logged in from where; do not keep them."""
    management.call_command("clearsessions")
