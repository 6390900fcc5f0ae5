"""A Redis that hangs (accepts connections, never answers) must not hold a web worker:
the cache gives up within seconds, as configured by REDIS_SOCKET_TIMEOUT."""

from __future__ import annotations

import socket
import threading
import time

from tests.test_deploy import run_manage


def test_a_hanging_redis_fails_the_cache_call_within_seconds(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_say_nothing() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        result = run_manage(
            "shell",
            "-c",
            "from django.core.cache import cache\n"
            "try:\n"
            "    cache.get('x')\n"
            "except Exception as e:\n"
            "    print('gave up:', type(e).__name__)\n",
            REDIS_URL=f"redis://127.0.0.1:{listener.getsockname()[1]}/0",
            REDIS_SOCKET_TIMEOUT="1",
            DATA_DIR=str(tmp_path),
        )
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()

    assert "gave up: TimeoutError" in result.stdout, result.stdout + result.stderr
    assert held, "the cache never reached the hanging server"
    # The process's own start-up (Django, the apps) is most of this; without the timeout
    # it would wait for ever (the subprocess's own 120 s limit would end it).
    assert elapsed < 60
