"""`make loadtest`: gunicorn on PostgreSQL and Redis, locust headless, then a check that
nothing the server confirmed was lost. `--quick` is the short version CI runs."""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "loadtest"
PORT = 8021
BIN = Path(sys.executable).parent


def sh(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, env=env, check=True, text=True, capture_output=True, **kwargs)  # noqa: S603


def fresh_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def wait_for(url: str, seconds: int = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own loopback server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer at {url}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10 users for 15 s (CI)")
    args = parser.parse_args()
    users, rate, duration = (10, 5, "15s") if args.quick else (60, 10, "60s")

    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*"):
        if old.is_file():
            old.unlink()
    claims = OUT / "claims.jsonl"
    claims.touch()
    (OUT / "sms.jsonl").touch()
    database = os.environ.get("LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/loadtest")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "DATABASE_URL": database,
        "REDIS_URL": os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/3"),
        "DATA_DIR": str(OUT / "data"),
        # What is measured is the app under load, not a person typing a TOTP code.
        "TWO_FACTOR_REQUIRED_FOR_CASEWORKERS": "0",
        # All simulated people share one address; the limits per account still apply.
        "RATE_LIMIT_SIGNUPS_PER_ADDRESS": "100000",
        "RATE_LIMIT_COMPLAINTS_PER_ADDRESS": "100000",
        "RATE_LIMIT_UPLOADS_PER_ADDRESS": "100000",
        "AXES_FAILURE_LIMIT": "1000",
        "LOG_LEVEL": "WARNING",
        "LOADTEST_CLAIMS": str(claims),
        # Sign-up codes reach the simulated people (other processes) through a file.
        "SMS_BACKEND": "lib.sms.FileSmsBackend",
        "SMS_FILE_PATH": str(OUT / "sms.jsonl"),
    }
    fresh_database(database)
    python = str(BIN / "python")
    sh([python, "manage.py", "migrate", "--noinput", "-v0"], env)
    sh([python, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    sh([python, "manage.py", "seed_lenders"], env)
    sh(
        [
            python,
            "manage.py",
            "shell",
            "-c",
            "from accounts.models import User, Role\n"
            "for i in range(5):\n"
            "    u, _ = User.objects.get_or_create(username=f'load-advocate-{i}', defaults={'role': Role.ADVOCATE})\n"
            "    u.set_password('load-test-password'); u.save()",
        ],
        env,
    )
    log = open(OUT / "gunicorn.log", "w")  # noqa: SIM115 - closed after the server stops
    server = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            "4",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"http://127.0.0.1:{PORT}/healthz")
        started = time.monotonic()
        subprocess.run(  # noqa: S603
            [
                str(BIN / "locust"),
                "-f",
                "loadtest/locustfile.py",
                "--headless",
                "-u",
                str(users),
                "-r",
                str(rate),
                "-t",
                duration,
                # Users finish the task in hand when time is up, so a filing is never cut
                # between the complaint and its files.
                "--stop-timeout",
                "20",
                "--host",
                f"http://127.0.0.1:{PORT}",
                "--csv",
                str(OUT / "stats"),
                "--only-summary",
            ],
            cwd=ROOT,
            env=env,
            check=False,
        )
        elapsed = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()

    with open(OUT / "stats_stats.csv", encoding="utf-8") as f:
        total = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    with open(OUT / "stats_failures.csv", encoding="utf-8") as f:
        failures = list(csv.DictReader(f))
    server_errors = [f for f in failures if "50" in f["Error"] or "Server Error" in f["Error"]]
    tracebacks = (OUT / "gunicorn.log").read_text(encoding="utf-8").count("Traceback")
    check = json.loads(
        sh([python, "-m", "loadtest.verify", str(claims)], env).stdout.strip().splitlines()[-1]
    )
    report = {
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "server_errors": sum(int(f["Occurrences"]) for f in server_errors),
        "tracebacks_in_server_log": tracebacks,
        "rps": float(total["Requests/s"]),
        "p50_ms": float(total["50%"]),
        "p99_ms": float(total["99%"]),
        **check,
    }
    (OUT / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    ok = (
        report["server_errors"] == 0
        and tracebacks == 0
        and check["complaints_claimed"] > 0
        and check["files_claimed"] > 0
        and not check["complaints_missing"]
        and not check["files_missing"]
        and not check["files_with_wrong_hash"]
    )
    print("loadtest:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
