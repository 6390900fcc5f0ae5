"""Only one beat sends periodic jobs: with Redis, beat takes a lock there (RedBeat), so a
second beat on another host waits instead of doubling every job (`make cluster-test`
runs two and counts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = """
import json, warnings
warnings.simplefilter("error", DeprecationWarning)
import django
django.setup()
from config.celery import app
from redbeat.schedulers import RedBeatConfig
conf = RedBeatConfig(app) if "redbeat" in app.conf.beat_scheduler else None
print(json.dumps({
    "scheduler": app.conf.beat_scheduler,
    "loop": app.conf.beat_max_loop_interval,
    "redis": conf and conf.redis_url,
    "lock_key": conf and conf.lock_key,
    "lock_timeout": conf and conf.lock_timeout,
}))
"""


def beat_config(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_", "CELERY_"))}
    result = subprocess.run(  # noqa: S603 - fixed command
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_locks_the_schedule_in_redis():
    found = beat_config(REDIS_URL="redis://redis.example.internal:6379/2", BEAT_LOCK_SECONDS="30")

    assert found == {
        "scheduler": "redbeat.RedBeatScheduler",
        "loop": 6,  # the lock is renewed five times in its life
        "redis": "redis://redis.example.internal:6379/2",  # set explicitly: no fallback warning
        "lock_key": "redbeat:lock",
        "lock_timeout": 30,
    }


def test_it_keeps_the_file_schedule_without_redis():
    found = beat_config()

    assert found["scheduler"] == "celery.beat:PersistentScheduler"
