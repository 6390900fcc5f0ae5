"""Production settings pass Django's deployment checklist; development defaults stay usable."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    clean.update(env)
    return subprocess.run(  # noqa: S603 - fixed command, test-controlled arguments
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 20 + "a-real-looking-production-secret-0123456789",
        ALLOWED_HOSTS="complaints.example.org",
        DATA_DIR=str(tmp_path),
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_manage("check", DEBUG="0", SECRET_KEY="", ALLOWED_HOSTS="x.org", DATA_DIR=str(tmp_path))

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_migrations_are_committed(tmp_path):
    result = run_manage("makemigrations", "--check", "--dry-run", DATA_DIR=str(tmp_path))

    assert result.returncode == 0, result.stdout
