"""`make bench` and `make bench-quick`: python -m bench.run [--quick].

1. Generates a few real evidence files once (var/bench/files/).
2. Drops and creates two PostgreSQL databases, bench_s and bench_l (bench_quick_s and
   bench_quick_l with --quick; never any other), under an advisory lock, migrates, and seeds
   S and L complaints with bench.seed (fixed random seed, COPY).
3. Counts queries per page in-process (bench.probe).
4. Serves each database with gunicorn (2 sync workers, DEBUG=0, production settings,
   BENCHMARK=1) and loads it with wrk from this machine: three interleaved rounds, each
   measuring the ceiling pages and then every page at S and at L, draining the server
   between runs. Every figure is divided by the ceiling table of its own round.
5. Uploads the 30 MB WAV (wall time ÷ cp, the worker's peak memory growth) and times one
   reminder sweep (bench.sweep).
6. Prints a table and writes var/bench/report.json.

Everything written goes under var/bench/.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

from bench.endpoints import CEILINGS, Endpoint, endpoints

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
FILES_DIR = VAR / "files"
DATA_DIR = VAR / "data"
PY = sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))

PROFILES: dict[str, dict[str, Any]] = {
    # Issue 8's sizes; about 25 minutes on 2 cores.
    "full": {
        "S": 10_000,
        "L": 100_000,
        "duration": 10,
        "rounds": 3,
        "warmup": 30,
        "settle": 0.5,
        "uploads": 3,
        "sweep_timeout": 900,
    },
    # A smoke test for CI: every step runs, on small data, with one-second loads.
    "quick": {
        "S": 1_000,
        "L": 5_000,
        "duration": 1,
        "rounds": 3,
        "warmup": 1,
        "settle": 0.05,
        "uploads": 1,
        "sweep_timeout": 60,
    },
}
CONNECTIONS = 2  # the p99 goal is "at 2 connections"; gunicorn has 2 sync workers
# The full run and the quick one (CI) use different databases, and a run holds a
# PostgreSQL advisory lock on its names: two checkouts sharing one server (a developer's
# `make bench` and CI's bench-quick) never drop each other's databases mid-run.
DATABASES = {"S": "bench_s", "L": "bench_l"}
QUICK_DATABASES = {"S": "bench_quick_s", "L": "bench_quick_l"}
_LOCK: list[Any] = []  # the connection that holds the advisory lock, for the whole run
UPLOAD_FILE = "call.wav"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - our own commands, no shell
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"bench: {' '.join(cmd[:4])} failed ({result.returncode})")
    return result.stdout


# 1. Files ---------------------------------------------------------------------------------


def make_files() -> dict[str, int]:
    """A 200 KiB PNG screenshot, a 1 MB JPEG photo, a 5 MB M4A and a 30 MB WAV, made once."""
    FILES_DIR.mkdir(parents=True, exist_ok=True)
    ffmpeg = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y"]
    audio = {
        # 128 kb/s AAC for 312 s is about 5 MB; 16-bit mono 44.1 kHz PCM for 357 s is 30 MiB.
        "call.m4a": [
            "-f",
            "lavfi",
            "-i",
            "anoisesrc=d=312:c=pink:r=44100:a=0.3:s=8",
            "-ac",
            "1",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
        ],
        "call.wav": [
            "-f",
            "lavfi",
            "-i",
            "anoisesrc=d=357:c=pink:r=44100:a=0.3:s=9",
            "-ac",
            "1",
            "-c:a",
            "pcm_s16le",
        ],
    }
    for name, args in audio.items():
        if not (FILES_DIR / name).exists():
            run([*ffmpeg, *args, str(FILES_DIR / f"tmp-{name}")])
            (FILES_DIR / f"tmp-{name}").rename(FILES_DIR / name)
    if not (FILES_DIR / "screenshot.png").exists() or not (FILES_DIR / "photo.jpg").exists():
        run([PY, "-c", _IMAGES, str(FILES_DIR)])
    return {p.name: p.stat().st_size for p in sorted(FILES_DIR.iterdir()) if not p.name.startswith("tmp-")}


# Pillow, in the project's environment: noise where a real picture would have detail.
_IMAGES = """
import random, sys
from pathlib import Path
from PIL import Image
out = Path(sys.argv[1])
rng = random.Random(2026)
def noisy(width, height, noise_h):
    image = Image.new("RGB", (width, height), (245, 245, 245))
    block = Image.frombytes("RGB", (width, noise_h), rng.randbytes(width * noise_h * 3))
    image.paste(block, (0, height // 3))
    return image
noisy(1080, 2340, 58).save(out / "screenshot.png")
noisy(1920, 1440, 880).save(out / "photo.jpg", quality=75)
"""


# 2. Databases ------------------------------------------------------------------------------


def pg_base() -> str:
    return os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def lock_databases() -> None:
    """Wait for any other run on the same databases to finish; hold the lock until exit."""
    import psycopg

    conn = psycopg.connect(f"{pg_base()}/postgres", autocommit=True)
    key = "bench:" + ",".join(DATABASES.values())
    if not conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [key]).fetchone()[0]:
        log(f"another run uses {', '.join(DATABASES.values())}; waiting for it to finish")
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", [key])
    _LOCK.append(conn)


def recreate_databases() -> None:
    import psycopg

    names = list(DATABASES.values())
    assert all(n.startswith("bench") for n in names)
    with psycopg.connect(f"{pg_base()}/postgres", autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{names[0]}"')
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env=bench_env("S"))
    with psycopg.connect(f"{pg_base()}/postgres", autocommit=True) as conn:
        for name in names[1:]:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{names[0]}"')


def redis_url() -> str:
    url = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0")
    host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port or 6379
    try:
        with socket.create_connection((host, port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return url
    except OSError:
        pass
    return ""


RUN_ID = secrets.token_hex(4)


def _secret_key() -> str:
    """Kept in var/bench so that the sessions bench.seed made stay valid between runs."""
    path = VAR / ".secret_key"
    if not path.exists():
        VAR.mkdir(parents=True, exist_ok=True)
        path.write_text("bench-" + secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET = _secret_key()


def bench_env(size: str) -> dict[str, str]:
    """Production settings (DEBUG off, Redis cache, persistent connections) plus BENCHMARK."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    env.update(
        DEBUG="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        BENCHMARK="1",
        DATABASE_URL=f"{pg_base()}/{DATABASES[size]}",
        DATA_DIR=str(DATA_DIR),
        # A production server keeps its database connections (Django's default is one per request).
        CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
        EMAIL_URL="dummymail://",
        # Tasks queue on disk under var/bench: no worker runs, and Redis only caches.
        CELERY_BROKER_URL="filesystem://",
        CACHE_KEY_PREFIX=f"bench-{RUN_ID}-{size}",
        PYTHONUNBUFFERED="1",
    )
    redis = redis_url()
    if redis:
        env["REDIS_URL"] = redis
    return env


def collect_static() -> None:
    """DEBUG=0 serves the hashed, compressed files of the manifest; compressing them takes
    20 s, so it is done again only when static/ or the requirements change."""
    import hashlib

    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes())
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(ROOT)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    stamp = DATA_DIR / "static" / ".bench-stamp"
    manifest = DATA_DIR / "static" / "staticfiles.json"
    if manifest.exists() and stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env=bench_env("S"))
    stamp.write_text(digest.hexdigest())


# 4. Serving and loading ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with 2 sync workers on one benchmark database."""

    def __init__(self, size: str) -> None:
        self.size = size
        self.port = free_port()
        self.log = (VAR / f"gunicorn-{size}.log").open("w")
        self.proc = subprocess.Popen(  # noqa: S603 - our own command
            [
                GUNICORN,
                "bench.wsgi:application",
                "--workers=2",
                "--worker-class=sync",
                f"--bind=127.0.0.1:{self.port}",
                "--timeout=300",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=bench_env(size),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"bench: gunicorn {self.size} exited; see {self.log.name}")
            with contextlib.suppress(OSError):
                if get(self.port, CEILINGS["tiny"].path)[0] == 200 and len(self.workers()) == 2:
                    return
            time.sleep(0.2)
        raise SystemExit(f"bench: gunicorn {self.size} did not answer; see {self.log.name}")

    def workers(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in children.split()]

    def cpu_ticks(self) -> int:
        return sum(_ticks(pid) for pid in self.workers())

    def drain(self, settle: float) -> None:
        """Wait until the workers stop using CPU: the previous run's requests are over."""
        time.sleep(settle)
        deadline = time.monotonic() + 5
        last = self.cpu_ticks()
        while time.monotonic() < deadline:
            time.sleep(max(settle, 0.05))
            now = self.cpu_ticks()
            if now == last:
                return
            last = now

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def cookie_for(ep: Endpoint, seed: dict[str, Any]) -> str:
    return f"{seed['session_cookie']}={seed['sessions'][ep.session]}" if ep.session else ""


def get(port: int, path: str, cookie: str = "") -> tuple[int, bytes, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("Location", "")
    finally:
        conn.close()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(port: int, path: str, cookie: str, duration: int) -> dict[str, Any]:
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency", "--timeout", "60s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = run([*cmd, f"http://127.0.0.1:{port}{path}"])
    # wrk pads the unit ("1.14s "); a run in which no request finished reports 0.00us.
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out, re.MULTILINE))
    requests = re.search(r"^\s+(\d+) requests in", out, re.MULTILINE)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    done = int(requests.group(1)) if requests else 0
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _ms(percentiles["50"]) if done else None,
        "p99_ms": _ms(percentiles["99"]) if done else None,
        "requests": done,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
    }


# 5. Upload and sweep ----------------------------------------------------------------------


def _status(pid: int) -> dict[str, int]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            found[key] = int(value.split()[0])  # KiB
    return found


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def upload_once(port: int, path: str, cookie: str, file: Path) -> tuple[float, int, bytes]:
    """A browser-like multipart POST, the file streamed from disk with sendfile()."""
    token = secrets.token_hex(16)  # a CSRF secret of our choosing, as cookie and header
    boundary = "bench" + secrets.token_hex(12)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{file.name}"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = file.stat().st_size
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Cookie: {cookie}; csrftoken={token}\r\nX-CSRFToken: {token}\r\nAccept: application/json\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(head) + size + len(tail)}\r\nConnection: close\r\n\r\n"
    ).encode()
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=300) as sock, file.open("rb") as f:
        sock.sendall(request + head)
        sock.sendfile(f)
        sock.sendall(tail)
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
    return time.perf_counter() - start, response.status, body


def measure_upload(server: Server, seed: dict[str, Any], repeats: int) -> dict[str, Any]:
    file = FILES_DIR / UPLOAD_FILE
    file.read_bytes()  # in the page cache, for the upload and for cp alike
    path = f"/evidence/complaints/{seed['featured']['upload_complaint']}/upload/"
    cookie = f"{seed['session_cookie']}={seed['sessions']['borrower']}"
    copies, uploads, growth = [], [], []
    target = VAR / "tmp"
    target.mkdir(exist_ok=True)
    for _ in range(repeats + 1):
        start = time.perf_counter()
        run(["cp", str(file), str(target / "copy.wav")])
        copies.append(time.perf_counter() - start)
        (target / "copy.wav").unlink()
    copies = copies[1:]  # the first warms cp itself

    def one_upload() -> tuple[float, int, float]:
        """Upload once; the seconds, the worker that served it and its peak memory growth (MB)."""
        server.drain(0.5)
        before = {}
        for pid in server.workers():
            # Writing 5 to clear_refs resets the peak (VmHWM) to the current RSS.
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")
            before[pid] = (_status(pid), _ticks(pid))
        seconds, status, body = upload_once(server.port, path, cookie, file)
        if status != 200:
            raise SystemExit(f"bench: upload answered {status}: {body[:300]!r}")
        served = max(before, key=lambda pid: _ticks(pid) - before[pid][1])
        rise = _status(served)["VmHWM"] - before[served][0]["VmRSS"]
        return seconds, served, rise / 1024

    # The first upload a worker serves imports the checking code (libmagic, mutagen...):
    # warm both workers up, then measure.
    cold, warmed = [], set()
    for _ in range(8):
        seconds, served, rise = one_upload()
        if served not in warmed:
            cold.append(round(rise, 1))
        warmed.add(served)
        if warmed >= set(server.workers()):
            break
    detail = []
    for _ in range(repeats):
        seconds, served, rise = one_upload()
        uploads.append(seconds)
        growth.append(rise)
        detail.append({"s": round(seconds, 3), "worker_growth_mb": round(rise, 1)})
    up, cp = statistics.median(uploads), statistics.median(copies)
    return {
        "file": UPLOAD_FILE,
        "bytes": file.stat().st_size,
        "upload_s": round(up, 3),
        "cp_s": round(cp, 4),
        "ratio_to_cp": round(up / cp, 1),
        "worker_peak_growth_mb": round(max(growth), 1),
        "first_upload_growth_mb": cold,
        "repeats": repeats,
        "detail": detail,
    }


def measure_sweep(size: str, timeout: float) -> dict[str, Any]:
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [PY, "-m", "bench.sweep"], cwd=ROOT, env=bench_env(size), stdout=subprocess.PIPE, text=True
    )
    steps: list[dict[str, Any]] = []
    timed_out = False
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        timed_out = True
    for line in out.splitlines():
        with contextlib.suppress(ValueError):
            steps.append(json.loads(line))
    sweep = next((s for s in steps if s.get("step") == "sweep"), {})
    drain = next((s for s in steps if s.get("step") == "drain"), {})
    before = next((s for s in steps if s.get("step") == "before"), {})
    return {
        "due": before.get("waiting_deliveries"),
        "sweep_s": sweep.get("s"),
        "queries": sweep.get("queries"),
        "planned": sweep.get("planned"),
        "cancelled": sweep.get("cancelled"),
        "sent": sweep.get("sent"),
        "left_waiting": sweep.get("waiting_after"),
        "drain_s": drain.get("s"),
        "drain_queries": drain.get("queries"),
        "drain_batches": drain.get("batches"),
        "timed_out_after_s": timeout if timed_out else None,
        "steps": [s for s in steps if s.get("step", "").startswith(("plan", "reminders", "deliveries"))],
    }


# The run ----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    mem = ""
    with contextlib.suppress(OSError, StopIteration):
        kib = int(
            next(
                line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
            ).split()[1]
        )
        mem = f"{kib / 1024 / 1024:.0f} GiB"
    pg = run(["psql", f"{pg_base()}/postgres", "-Atc", "SHOW server_version"]).strip()
    wrk_path = shutil.which("wrk") or "wrk"
    wrk_out = subprocess.run([wrk_path, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    wrk_version = wrk_out.stdout.split(" [")[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": pg,
        "wrk": wrk_version.strip(),
    }


def _div(a: float, b: float) -> float:
    return a / b if b else 0.0


def median_of(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if r[key] is not None]
    return round(statistics.median(values), 2) if values else None


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "rps": round(statistics.median(r["rps"] for r in runs), 1),
        "p50_ms": median_of(runs, "p50_ms"),
        "p99_ms": median_of(runs, "p99_ms"),
        "non_2xx": sum(r["non_2xx"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
    }


def rounds(
    servers: dict[str, Server], seeds: dict[str, dict[str, Any]], profile: dict[str, Any]
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, list[dict[str, Any]]]]]:
    ceilings: dict[str, list[dict[str, Any]]] = {name: [] for name in CEILINGS}
    pages: dict[str, dict[str, list[dict[str, Any]]]] = {}
    duration = profile["duration"]
    for r in range(profile["rounds"]):
        log(f"round {r + 1}/{profile['rounds']}")
        # The ceilings on the L server (they touch no database, so either server would do).
        for name, ep in CEILINGS.items():
            servers["L"].drain(profile["settle"])
            ceilings[name].append(wrk(servers["L"].port, ep.path, "", duration))
        order = ["S", "L"] if r % 2 == 0 else ["L", "S"]
        for index in range(len(endpoints(seeds["L"]))):
            for size in order:
                ep = endpoints(seeds[size])[index]
                servers[size].drain(profile["settle"])
                result = wrk(servers[size].port, ep.path, cookie_for(ep, seeds[size]), duration)
                pages.setdefault(ep.name, {}).setdefault(size, []).append(result)
        verify_unchanged(servers, seeds)
    return ceilings, pages


def verify_unchanged(servers: dict[str, Server], seeds: dict[str, dict[str, Any]]) -> None:
    """Still the seeded databases, still logged in: wrk would count a redirect to the login
    page as a success, so a lost session or a replaced database must stop the run."""
    import psycopg

    for size, server in servers.items():
        with psycopg.connect(f"{pg_base()}/{DATABASES[size]}") as conn:
            n = conn.execute("SELECT count(*) FROM complaints_complaint").fetchone()[0]
        if n != seeds[size]["complaints"]:
            raise SystemExit(f"bench: {DATABASES[size]} now holds {n} complaints; something replaced it")
        for role, path in (("advocate", "/cases/dashboard/"), ("borrower", "/complaints/mine/")):
            cookie = f"{seeds[size]['session_cookie']}={seeds[size]['sessions'][role]}"
            status, _body, location = get(server.port, path, cookie)
            if status != 200:
                raise SystemExit(f"bench: the {role} session at {size} answered {status} {location}")


def check_and_warm(
    servers: dict[str, Server], seeds: dict[str, dict[str, Any]], n: int
) -> dict[str, dict[str, int]]:
    """Every page answers 200 (not a redirect to the login) before it is loaded; then warm it."""
    sizes: dict[str, dict[str, int]] = {}
    for size, server in servers.items():
        for ep in [*CEILINGS.values(), *endpoints(seeds[size])]:
            cookie = cookie_for(ep, seeds[size])
            status, body, location = get(server.port, ep.path, cookie)
            if status != 200:
                raise SystemExit(f"bench: {ep.name} at {size} answered {status} {location}")
            sizes.setdefault(ep.name, {})[size] = len(body)
            deadline = time.monotonic() + 3  # a slow page is warm long before n requests
            for _ in range(n):
                get(server.port, ep.path, cookie)
                if time.monotonic() > deadline:
                    break
    return sizes


def build_report(
    profile_name: str,
    profile: dict[str, Any],
    seeds: dict[str, dict[str, Any]],
    probes: dict[str, dict[str, Any]],
    sizes: dict[str, dict[str, int]],
    ceilings: dict[str, list[dict[str, Any]]],
    pages: dict[str, dict[str, list[dict[str, Any]]]],
    upload: dict[str, Any],
    reminders: dict[str, Any],
    started: float,
) -> dict[str, Any]:
    n_rounds = profile["rounds"]
    table = ceilings["table"]
    ceiling = {name: summarise(runs) for name, runs in ceilings.items()}
    tiny_over_plain = [
        _div(ceilings["tiny"][i]["rps"], ceilings["plain_tiny"][i]["rps"]) for i in range(n_rounds)
    ]
    ceiling["middleware_ratio"] = round(statistics.median(tiny_over_plain), 3)
    ceiling["queries"] = {name: probes["L"][name]["queries"] for name in ("tiny", "table")}
    result: dict[str, Any] = {}
    for name, by_size in pages.items():
        entry: dict[str, Any] = {}
        for size in ("L", "S"):
            runs = by_size[size]
            ratios = [_div(runs[i]["rps"], table[i]["rps"]) for i in range(n_rounds)]
            figures = {
                **summarise(runs),
                "queries": probes[size][name]["queries"],
                "bytes": sizes[name][size],
                "ratio": round(statistics.median(ratios), 3),
            }
            if size == "L":
                entry.update(figures)
            else:
                entry["S"] = figures
        flat = [_div(by_size["L"][i]["rps"], by_size["S"][i]["rps"]) for i in range(n_rounds)]
        entry["flatness"] = round(statistics.median(flat), 3)
        entry["path"] = next(ep.path for ep in endpoints(seeds["L"]) if ep.name == name)
        entry["what"] = next(ep.what for ep in endpoints(seeds["L"]) if ep.name == name)
        result[name] = entry
    report = {
        "rounds": n_rounds,
        "profile": profile_name,
        "sizes": {"S": profile["S"], "L": profile["L"]},
        "load": {
            "tool": "wrk",
            "threads": 1,
            "connections": CONNECTIONS,
            "duration_s": profile["duration"],
            "server": "gunicorn, 2 sync workers",
        },
        "machine": machine(),
        "ceiling": ceiling,
        "endpoints": result,
        "upload": upload,
        "reminders": reminders,
        "seed": {
            size: {k: v for k, v in seed.items() if k not in ("sessions", "session_cookie")}
            for size, seed in seeds.items()
        },
        "wall_s": round(time.perf_counter() - started, 1),
        "finished": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }
    report["goals"] = goals(report)
    return report


def goals(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 8's goals against this run's figures (all at L; "same" = S and L alike)."""
    e, c, u, m = report["endpoints"], report["ceiling"], report["upload"], report["reminders"]
    found: list[dict[str, Any]] = []

    def check(what: str, measured: Any, goal: str, met: bool | None) -> None:
        found.append({"what": what, "goal": goal, "measured": measured, "met": met})

    check("middleware: tiny ÷ plain tiny", c["middleware_ratio"], ">= 0.80", c["middleware_ratio"] >= 0.8)
    q = e["queue"]
    check("queue ratio", q["ratio"], ">= 0.25", q["ratio"] >= 0.25)
    check("queue p99 ms (2 connections)", q["p99_ms"], "<= 25", q["p99_ms"] is not None and q["p99_ms"] <= 25)
    check("queue queries", q["queries"], "<= 10", q["queries"] <= 10)
    check("queue flatness F", q["flatness"], ">= 0.8", q["flatness"] >= 0.8)
    d = e["case_detail"]
    check("case detail ratio", d["ratio"], ">= 0.20", d["ratio"] >= 0.2)
    check("case detail queries", d["queries"], "<= 15", d["queries"] <= 15)
    check("case detail KB", round(d["bytes"] / 1024, 1), "<= 150", d["bytes"] <= 150 * 1024)
    check(
        "case detail queries same at S and L",
        [d["S"]["queries"], d["queries"]],
        "equal",
        d["S"]["queries"] == d["queries"],
    )
    for name in ("mine", "complaint_detail"):
        check(f"{name} ratio", e[name]["ratio"], ">= 0.30", e[name]["ratio"] >= 0.3)
        same = e[name]["S"]["queries"] == e[name]["queries"]
        check(f"{name} queries same at S and L", [e[name]["S"]["queries"], e[name]["queries"]], "equal", same)
    for name in ("search_collector", "search_reference"):
        check(f"{name} ratio", e[name]["ratio"], ">= 0.20", e[name]["ratio"] >= 0.2)
    for name in ("dashboard", "public_stats"):
        check(f"{name} ratio", e[name]["ratio"], ">= 0.10", e[name]["ratio"] >= 0.1)
    check(f"upload {u['file']} ÷ cp", u["ratio_to_cp"], "<= 8 (issue: 100 MiB)", u["ratio_to_cp"] <= 8)
    growth = u["worker_peak_growth_mb"]
    check("upload worker memory growth MB", growth, "<= 10", growth <= 10)
    sweep = m.get("sweep_s")
    check(f"reminder sweep s ({m.get('due')} due)", sweep, "<= 2", sweep is not None and sweep <= 2)
    total = report["seed"]["L"]["total_s"]
    check("seeding L s (COPY + VACUUM ANALYZE)", total, "<= 180", total <= 180)
    check("complaint submission with 3 incidents", None, "p50 <= 25 ms, <= 15 queries", None)
    check("evidence package ZIP of 1 GB", None, "memory growth <= 20 MB", None)
    return found


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def print_table(report: dict[str, Any]) -> None:
    c = report["ceiling"]
    print()
    print(
        f"Ceiling (median of {report['rounds']} rounds, req/s): tiny {c['tiny']['rps']:.0f}, "
        f"table {c['table']['rps']:.0f}, plain tiny {c['plain_tiny']['rps']:.0f}, "
        f"floor {c['floor']['rps']:.0f}; middleware ratio tiny/plain {c['middleware_ratio']:.2f}"
    )
    head = f"{'endpoint':<17}{'rps L':>8}{'p50':>8}{'p99':>8}{'q L':>5}{'q S':>5}{'KB':>7}{'ratio':>7}{'rps S':>8}{'F':>6}"
    print(head)
    print("-" * len(head))
    for name, e in report["endpoints"].items():
        print(
            f"{name:<17}{e['rps']:>8.1f}{_num(e['p50_ms']):>8}{_num(e['p99_ms']):>8}{e['queries']:>5}{e['S']['queries']:>5}"
            f"{e['bytes'] / 1024:>7.1f}{e['ratio']:>7.2f}{e['S']['rps']:>8.1f}{e['flatness']:>6.2f}"
        )
    u, m = report["upload"], report["reminders"]
    print(
        f"\nUpload {u['file']} ({u['bytes'] / 1e6:.1f} MB): {u['upload_s']:.2f} s = {u['ratio_to_cp']:.1f}× cp "
        f"({u['cp_s'] * 1000:.0f} ms); worker peak memory growth {u['worker_peak_growth_mb']:.1f} MB"
    )
    if m.get("sweep_s") is not None:
        print(
            f"Reminder sweep at L, {m['due']} due: {m['sweep_s']:.2f} s, {m['queries']} queries "
            f"(planned {m['planned']}, cancelled {m['cancelled']}, sent {m['sent']}, left {m['left_waiting']}); "
            f"sending the rest: {m['drain_s']} s, {m['drain_queries']} queries"
        )
    else:
        print(
            f"Reminder sweep at L: not finished within {m['timed_out_after_s']} s; steps done: {m['steps']}"
        )
    print("\nGoals (issue 8, at L):")
    for g in report["goals"]:
        mark = {True: "met", False: "MISSED", None: "not measured"}[g["met"]]
        print(f"  {mark:<13}{g['what']}: {g['measured']} (goal {g['goal']})")
    seed = report["seed"]
    print(
        f"Seeding: S {seed['S']['total_s']} s, L {seed['L']['total_s']} s (load {seed['L']['load_s']} s, "
        f"VACUUM ANALYZE {seed['L']['vacuum_analyze_s']} s); whole run {report['wall_s']} s"
    )


PHASES: dict[str, float] = {}


@contextlib.contextmanager
def phase(name: str) -> Any:
    start = time.perf_counter()
    try:
        yield
    finally:
        PHASES[name] = round(PHASES.get(name, 0) + time.perf_counter() - start, 1)


def probe_all(seeds: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Both sizes at once (they only count queries): two processes, two databases."""
    procs = {}
    for size in seeds:
        cmd = [PY, "-m", "bench.probe", str(VAR / f"seed-{size}.json"), str(VAR / f"probe-{size}.json")]
        procs[size] = subprocess.Popen(cmd, cwd=ROOT, env=bench_env(size))  # noqa: S603 - our own command
    probes = {}
    for size, proc in procs.items():
        if proc.wait(timeout=600):
            raise SystemExit(f"bench: probe {size} failed")
        probes[size] = json.loads((VAR / f"probe-{size}.json").read_text(encoding="utf-8"))
        for name, p in probes[size].items():
            if p["status"] != 200:
                raise SystemExit(f"bench: {name} at {size} answered {p['status']} {p['location']} in-process")
    return probes


def main() -> None:
    parser = argparse.ArgumentParser(description="Load-test the project against its own ceiling.")
    parser.add_argument("--quick", action="store_true", help="small sizes and short runs (CI smoke test)")
    args = parser.parse_args()
    profile_name = "quick" if args.quick else "full"
    profile = PROFILES[profile_name]
    if args.quick:
        DATABASES.update(QUICK_DATABASES)
    started = time.perf_counter()
    for tool in ("wrk", "ffmpeg", "psql"):
        if not shutil.which(tool):
            raise SystemExit(f"bench: {tool} is missing (make bench installs it)")
    VAR.mkdir(parents=True, exist_ok=True)
    with phase("prepare"):
        for stale in ("media", "broker", "tmp"):
            shutil.rmtree(DATA_DIR / stale, ignore_errors=True)
        (DATA_DIR / "media" / "bench").mkdir(parents=True)
        files = make_files()
        for name in files:
            os.link(FILES_DIR / name, DATA_DIR / "media" / "bench" / name)
        log(f"files: {files}")
        lock_databases()
        recreate_databases()
        collect_static()
    seeds = {}
    for size in ("S", "L"):
        log(f"seeding {size}: {profile[size]:,} complaints")
        out = VAR / f"seed-{size}.json"
        with phase("seed"):
            run(
                [PY, "-m", "bench.seed", "--complaints", str(profile[size]), "--out", str(out)],
                env=bench_env(size),
            )
        seeds[size] = json.loads(out.read_text(encoding="utf-8"))
        log(f"seeded {size} in {seeds[size]['total_s']} s: {seeds[size]['rows']}")
    with phase("probe"):
        probes = probe_all(seeds)

    servers: dict[str, Server] = {}
    try:
        with phase("serve"):
            for size in ("S", "L"):
                servers[size] = Server(size)
            for server in servers.values():
                server.wait_ready()
            log("servers up; checking and warming every page")
            sizes = check_and_warm(servers, seeds, profile["warmup"])
        with phase("rounds"):
            ceilings, pages = rounds(servers, seeds, profile)
        log("upload")
        with phase("upload"):
            upload = measure_upload(servers["L"], seeds["L"], profile["uploads"])
    finally:
        for server in servers.values():
            server.stop()
    log("reminder sweep at L")
    with phase("sweep"):
        reminders = measure_sweep("L", profile["sweep_timeout"])
    raw = {"ceilings": ceilings, "pages": pages, "upload": upload, "reminders": reminders, "sizes": sizes}
    (VAR / "raw.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")
    report = build_report(
        profile_name, profile, seeds, probes, sizes, ceilings, pages, upload, reminders, started
    )
    report["phases_s"] = PHASES
    (VAR / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print_table(report)
    log(f"report: {VAR / 'report.json'} (phases, s: {PHASES})")


if __name__ == "__main__":
    main()
