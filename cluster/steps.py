"""What `make cluster-test` does inside the application (run as `python -m cluster.steps
STEP` with the cluster's environment): seeding a reminder batch, and playing the clock
forward past a dead worker's claim, as the next sweeps would after the stated minutes."""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta

import django

BATCH = "cluster-batch-"


def seed_reminders(count: int) -> dict:
    """`count` SMS reminders due now, to the borrowers that signed up, then a sweep."""
    from django.utils import timezone

    from accounts.models import Role, User
    from notifications.models import Channel, Delivery, Kind, Reminder
    from notifications.tasks import sweep

    now = timezone.now()
    people = list(
        User.objects.filter(role=Role.BORROWER, phone__isnull=False).exclude(phone="").order_by("pk")
    )
    for i in range(count):
        reminder = Reminder.objects.create(
            recipient=people[i % len(people)],
            kind=Kind.SUBMITTED,
            object_id=900_000_000 + i,
            due_at=now,
            title=f"{BATCH}{i}",
            link="/complaints/mine/",
        )
        Delivery.objects.create(reminder=reminder, channel=Channel.SMS, send_after=now - timedelta(minutes=1))
    return {"task_id": sweep.delay().id}


def finish_reminders() -> dict:
    """A sweep after the dead sweep's claims went stale (notifications.services.STALE_CLAIM)."""
    from django.utils import timezone

    from notifications import services
    from notifications.models import Delivery

    later = timezone.now() + services.STALE_CLAIM + timedelta(minutes=1)
    sent = services.deliveries_send(now=later)
    batch = Delivery.objects.filter(reminder__title__startswith=BATCH)
    return {"sent_after_stale_claim": sent, "unsent": batch.exclude(state=Delivery.State.SENT).count()}


def finish_evidence(public_id: str) -> dict:
    """The stalled-evidence sweep after the dead run's claim went stale."""
    from django.utils import timezone

    from evidence import services
    from evidence.models import Evidence

    later = timezone.now() + services.STALE_CLAIM + timedelta(minutes=1)
    for evidence_id in services.evidence_reclaim_stalled(now=later):
        services.evidence_process(evidence_id=evidence_id, now=later)
    evidence = Evidence.objects.get(public_id=public_id)
    return {
        "state": evidence.state,
        "attempts": evidence.processing_attempts,
        "display_file": bool(evidence.display_file),
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    step, *args = sys.argv[1:]
    result = {
        "seed-reminders": lambda: seed_reminders(int(args[0])),
        "finish-reminders": finish_reminders,
        "finish-evidence": lambda: finish_evidence(args[0]),
    }[step]()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
