"""Periodic jobs of the regulators app: thin, they only call services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .escalations import escalations_mark_overdue


@shared_task
def mark_overdue_escalations() -> int:
    return escalations_mark_overdue(now=timezone.now())
