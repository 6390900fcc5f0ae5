"""Instructions per request of a ceiling page, counted rather than timed.

Run under callgrind twice, with two request counts, and subtract: what is left is the
steady-state cost of one request, whatever the machine's load.

    PYTHONHASHSEED=0 DEBUG=0 SECRET_KEY=... ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0 \
    BENCHMARK=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    python -m bench.instructions /__bench__/tiny/ 200

(`python -m bench.instructions --count` does both runs and prints the difference.)

Each request is what wrk sends: a GET with a Host header and nothing else, no cookies.
The process first serves 100 requests and freezes the collector's view of what is alive,
as a gunicorn worker does (lib/runtime.py), so a full collection does not land in one run
and not the other.
"""

from __future__ import annotations

import gc
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

WARM = 100


def environ(path: str) -> dict[str, object]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def serve(path: str, n: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from bench.wsgi import application

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        if not status.startswith("200"):
            raise SystemExit(f"{path} answered {status}")

    def once() -> None:
        body = application(environ(path), start_response)
        try:
            b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    for _ in range(WARM):
        once()
    gc.collect()
    gc.freeze()
    # Callgrind is told to dump its counters before each getppid(): the second dump holds
    # the n requests alone, without the start-up and the warm-up.
    os.getppid()
    for _ in range(n):
        once()
    os.getppid()


def count(path: str, n: int) -> int:
    """Instructions per request, from callgrind's dump of the n measured requests."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(  # noqa: S603 - fixed command
            [
                shutil.which("valgrind") or "valgrind",
                "--tool=callgrind",
                "--dump-before=getppid",
                f"--callgrind-out-file={folder}/out",
                sys.executable,
                "-m",
                "bench.instructions",
                path,
                str(n),
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        # Dumps .1 (start-up and warm-up), .2 (the requests), then the rest at exit.
        text = Path(folder, "out.2").read_text()
    match = re.search(r"^summary: (\d+)", text, re.MULTILINE)
    if match is None:
        raise SystemExit("callgrind wrote no summary")
    return round(int(match.group(1)) / n)


if __name__ == "__main__":
    if sys.argv[1] == "--count":
        path = sys.argv[2] if len(sys.argv) > 2 else "/__bench__/tiny/"
        print(path, count(path, 500))
    else:
        serve(sys.argv[1], int(sys.argv[2]))
