"""The beats of `make cluster-test`: the project's Celery app and schedule, plus one job
every few seconds, so that duplicates and a takeover show within a minute rather than
within the real jobs' periods (15 minutes and more)."""

from __future__ import annotations

import os

from config.celery import app

HEARTBEAT = "cluster-heartbeat"
HEARTBEAT_SECONDS = float(os.environ.get("CLUSTER_HEARTBEAT_SECONDS", "5"))

app.conf.beat_schedule = {
    **app.conf.beat_schedule,
    # A real, harmless job: removing expired sessions.
    HEARTBEAT: {"task": "accounts.tasks.clear_expired_sessions", "schedule": HEARTBEAT_SECONDS},
}
