from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from notifications import services


class Command(BaseCommand):
    help = "Plans and sends due reminders once (the same work as the scheduled Celery sweep)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what is due; change and send nothing."
        )
        parser.add_argument(
            "--now", help="Pretend it is this moment (ISO 8601), e.g. 2026-12-01T08:00+08:00."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = self._now(options["now"])
        if options["dry_run"]:
            for due in services.reminders_plan(now=now, dry_run=True):
                self.stdout.write(
                    f"due: {due.kind} → {due.recipient} (object {due.object_id}, {due.due_at:%Y-%m-%d %H:%M})"
                )
            return
        result = services.sweep(now=now)
        self.stdout.write(f"planned {result.planned}, cancelled {result.cancelled}, sent {result.sent}")

    def _now(self, raw: str | None) -> datetime:
        if not raw:
            return timezone.now()
        parsed = parse_datetime(raw)
        if parsed is None:
            raise CommandError(f"--now: not an ISO date and time: {raw}")
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
