"""gunicorn's settings for every web host (deploy/systemd/complaints-web.service, the load
test, the benchmark and `make cluster-test` all start gunicorn with `-c gunicorn.conf.py`).

What differs per host comes from the environment: GUNICORN_BIND (the address nginx
reaches this host on), WEB_CONCURRENCY (workers) and FORWARDED_ALLOW_IPS (nginx's
address, the only peer whose X-Forwarded-Proto gunicorn believes). Arguments on the
command line override this file.
"""

from __future__ import annotations

import os
from typing import Any

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: nginx buffers request bodies and slow readers, so a worker only ever
# talks to nginx at local speed. Two per core kept both cores busy in `make bench`.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
worker_class = "sync"
# A request that runs this long is stuck, not slow: uploads reach us from nginx's disk at
# local speed and their checks stop after 20 s (EVIDENCE_CHECK_SECONDS).
timeout = 60
graceful_timeout = 30
# The workers' heartbeat files in memory: on a busy disk, writing them can stall long
# enough for the arbiter to kill a healthy worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - a tmpfs, not a shared temp folder
# systemd (or the script that started us) manages the server with signals; the control
# socket would sit at one path per user, where two servers on one machine would collide.
control_socket_disable = True
# nginx logs every request; gunicorn logs its own events to stderr (journald).
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def post_worker_init(worker: Any) -> None:
    """Each worker, once it has loaded the app, freezes its long-lived objects for the
    garbage collector after its first requests (lib/runtime.py). A server hook rather than
    an import side effect of config.wsgi: tests, scripts and Celery that import the
    application never get a receiver counting their requests."""
    from lib.runtime import freeze_when_warm

    freeze_when_warm()
