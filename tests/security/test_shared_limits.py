"""Rate limits without Redis: every process of one installation draws from one counter."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

# Run in a separate OS process, as a gunicorn worker would be, against a SQLite file.
WORKER = """
import sys, time
import django
django.setup()
from django.core.management import call_command
if sys.argv[1] == "migrate":
    call_command("migrate", verbosity=0)
    raise SystemExit
from django.test import RequestFactory
from lib import ratelimit
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.005)
request = RequestFactory().post("/accounts/signup/", REMOTE_ADDR="10.9.9.9")
print(sum(ratelimit.allow(request, "signup") for _ in range(15)))
"""


def test_two_processes_together_get_exactly_the_limit(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")},
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "RATE_LIMIT_SIGNUPS_PER_ADDRESS": "10",
    }

    def run(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", WORKER, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )

    assert run("migrate").wait(timeout=60) == 0
    start = str(time.time() + 2)  # both are set up by then and count at the same moment
    workers = [run("count", start), run("count", start)]
    allowed = [int(w.communicate(timeout=60)[0].strip()) for w in workers]

    assert sum(allowed) == 10, allowed
