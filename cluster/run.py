"""`make cluster-test`: the multi-host shape on one machine, with real processes.

Two web hosts (gunicorn with gunicorn.conf.py on 127.0.0.2 and 127.0.0.3, each with its
own DATA_DIR) behind nginx with deploy/nginx.conf (TLS on 127.0.0.1), PostgreSQL, a
Redis of our own (127.0.0.1:6390, so restarting it disturbs nobody else), evidence in
moto's standalone S3 server, two Celery workers and two beats. Then it drives it and
writes var/cluster/report.json:

1. borrowers sign up, file and upload through nginx; each file is downloaded through the
   host that did NOT take the upload, and hashed;
2. sessions, CSRF, a rate limit and the two-step login across the two hosts;
3. both beats up: each periodic job once per period; the active one killed: the other's
   takeover is timed;
4. a worker's process killed with SIGKILL in the middle of a reminder batch and of an
   evidence job: the task comes back, and nothing is sent twice;
5. Redis restarted under traffic: nothing confirmed is lost, sessions hold, the queue
   recovers;
6. `make backup`, then `make restore` into a new database and bucket, verified.

Every process is our child in its own process group and is ended in a `finally`, also
when a step fails. `--quick` (CI) uses smaller counts and leaves the timings out.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from loadtest.people import CSRF, REFERENCE, complaint_form, png, sms_code, wav
from loadtest.run import fresh_database

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "cluster"
BIN = Path(sys.executable).parent
PG = os.environ.get("CLUSTER_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE, RESTORE_DATABASE = "cluster_main", "cluster_restore"
BUCKET, RESTORE_BUCKET = "cluster-evidence", "cluster-restore"
# Away from `make run` (8000), the load test (8021) and the benchmark (ephemeral ports).
REDIS_PORT, MOTO_PORT, WEB_PORT, HTTPS_PORT, HTTP_PORT = 6390, 8035, 8031, 8443, 8480
WEB_HOSTS = ("127.0.0.2", "127.0.0.3")
SITE = f"https://localhost:{HTTPS_PORT}"
MOTO = f"http://127.0.0.1:{MOTO_PORT}"
BEAT_LOCK_SECONDS = 10
HEARTBEAT_SECONDS = 5
PROFILES = {
    "quick": {"borrowers": 4, "beat_watch_s": 25, "batch": 12, "recording_s": 3600, "redis_down_s": 3},
    "full": {"borrowers": 20, "beat_watch_s": 60, "batch": 30, "recording_s": 3600, "redis_down_s": 5},
}


def log(message: str) -> None:
    print(f"[cluster {time.strftime('%H:%M:%S')}] {message}", flush=True)


def poll(what: str, check: Callable[[], Any], seconds: float, every: float = 0.1) -> Any:
    """The first truthy answer of `check`, or a failure naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = check()
        if answer:
            return answer
        time.sleep(every)
    raise RuntimeError(f"timed out after {seconds:.0f} s waiting for {what}")


# The processes ------------------------------------------------------------------------------


class Stack:
    """Every process of the cluster, each in its own process group, all ended on exit."""

    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.procs: dict[str, subprocess.Popen] = {}
        self.cert = VAR / "tls" / "cert.pem"
        self.secret = secrets.token_urlsafe(40)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DEBUG="0",
            SECRET_KEY=self.secret,
            ALLOWED_HOSTS="localhost,127.0.0.1",
            CSRF_TRUSTED_ORIGINS=SITE,
            SITE_URL=SITE,
            DATABASE_URL=f"{PG}/{DATABASE}",
            CONN_MAX_AGE="60",
            REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}/0",
            BEAT_LOCK_SECONDS=str(BEAT_LOCK_SECONDS),
            EVIDENCE_S3_BUCKET=BUCKET,
            EVIDENCE_S3_ENDPOINT_URL=MOTO,
            EVIDENCE_S3_REGION="us-east-1",
            EVIDENCE_S3_ACCESS_KEY="cluster",
            EVIDENCE_S3_SECRET_KEY="cluster-secret",  # noqa: S106 - moto accepts any key
            CLIENT_IP_HEADER="HTTP_X_REAL_IP",
            FORWARDED_ALLOW_IPS="127.0.0.1",
            # Every simulated person comes from 127.0.0.1: the per-address limits would
            # stop the run. The per-account limits stay as deployed (step 2 counts one).
            RATE_LIMIT_SIGNUPS_PER_ADDRESS="100000",
            RATE_LIMIT_COMPLAINTS_PER_ADDRESS="100000",
            RATE_LIMIT_UPLOADS_PER_ADDRESS="100000",
            SMS_BACKEND="lib.sms.FileSmsBackend",
            SMS_FILE_PATH=str(VAR / "sms.jsonl"),
            EMAIL_URL="dummymail://",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def start(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        out = (VAR / f"{name}.log").open("a")
        proc = subprocess.Popen(  # noqa: S603 - our own commands
            cmd, cwd=ROOT, env=env or self.env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        out.close()
        self.procs[name] = proc
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

    def manage(self, *args: str, env: dict[str, str] | None = None) -> str:
        return run([str(BIN / "python"), "manage.py", *args], env or self.env())

    def step(self, *args: str) -> dict[str, Any]:
        out = run([str(BIN / "python"), "-m", "cluster.steps", *args], self.env(LOG_LEVEL="ERROR"))
        return json.loads(out.strip().splitlines()[-1])

    # The parts, in the order they start.

    def tls(self) -> None:
        self.cert.parent.mkdir(parents=True, exist_ok=True)
        run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                "-keyout", str(self.cert.with_name("key.pem")), "-out", str(self.cert),
            ],
            None,
        )  # fmt: skip

    def redis(self) -> None:
        folder = VAR / "redis"
        folder.mkdir(exist_ok=True)
        # Appendonly, as docs/operations.md asks of the broker's Redis: a restart keeps the queue.
        self.start(
            "redis",
            [
                "redis-server", "--bind", "127.0.0.1", "--port", str(REDIS_PORT), "--dir", str(folder),
                "--save", "", "--appendonly", "yes", "--appendfsync", "everysec",
            ],
        )  # fmt: skip
        poll("redis", lambda: redis_ping(), 20)

    def moto(self) -> None:
        self.start("moto", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(MOTO_PORT)])
        poll("moto", lambda: _answers(f"{MOTO}/moto-api/"), 30, every=0.3)
        for bucket in (BUCKET, RESTORE_BUCKET):
            s3().create_bucket(Bucket=bucket)

    def database(self) -> None:
        for name in (DATABASE, RESTORE_DATABASE):
            fresh_database(f"{PG}/{name}")
        self.manage("migrate", "--noinput", "-v0")
        self.manage("seed_lenders")
        self.manage("collectstatic", "--noinput", "-v0", env=self.env(DATA_DIR=str(VAR / "lb")))
        self.manage(
            "shell",
            "-c",
            "from accounts.models import User, Role\n"
            "from django_otp.plugins.otp_totp.models import TOTPDevice\n"
            "u = User.objects.create_user(username='cluster-advocate', password='cluster-password-2026', role=Role.ADVOCATE)\n"
            "TOTPDevice.objects.create(user=u, name='phone', confirmed=True, key='" + TOTP_KEY + "')",
        )

    def web(self) -> None:
        for i, host in enumerate(WEB_HOSTS, 1):
            data = VAR / f"web{i}"
            # What a release does on every host: collectstatic (here: its result, copied).
            shutil.copytree(VAR / "lb" / "static", data / "static", dirs_exist_ok=True)
            workers = "2" if self.quick else "3"
            self.start(
                f"web{i}",
                [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py"],
                self.env(DATA_DIR=str(data), GUNICORN_BIND=f"{host}:{WEB_PORT}", WEB_CONCURRENCY=workers),
            )
        for host in WEB_HOSTS:
            poll(f"the web host on {host}", lambda host=host: host_healthy(host), 60, every=0.3)

    def nginx(self) -> None:
        site = render_site()
        (VAR / "site.conf").write_text(site, encoding="utf-8")
        user = "user root;\n" if os.geteuid() == 0 else ""
        (VAR / "nginx.conf").write_text(
            f"""{user}worker_processes 1;
pid {VAR}/nginx.pid;
error_log {VAR}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format cluster '$msec $status $upstream_addr "$request_method $uri" $http_x_trace';
    access_log {VAR}/nginx-access.log cluster;
    fastcgi_temp_path {VAR}/nginx-tmp/fastcgi;
    uwsgi_temp_path {VAR}/nginx-tmp/uwsgi;
    scgi_temp_path {VAR}/nginx-tmp/scgi;
    include {VAR}/site.conf;
}}
""",
            encoding="utf-8",
        )
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (VAR / "nginx-tmp" / sub).mkdir(parents=True, exist_ok=True)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        run([nginx, "-t", "-q", "-c", str(VAR / "nginx.conf")], None)
        self.start("nginx", [nginx, "-c", str(VAR / "nginx.conf"), "-g", "daemon off;"])
        poll("nginx", lambda: _answers(f"{SITE}/healthz", verify=str(self.cert)), 20)

    def workers(self) -> None:
        for i in (1, 2):
            self.start(f"worker{i}", self.worker_cmd(i), self.worker_env(i))

    def worker_cmd(self, i: int) -> list[str]:
        return [
            str(BIN / "celery"), "-A", "config", "worker", "--loglevel=INFO", "--concurrency=1",
            "--without-mingle", "--without-gossip", f"--hostname=worker{i}@cluster",
        ]  # fmt: skip

    def worker_env(self, i: int) -> dict[str, str]:
        return self.env(
            DATA_DIR=str(VAR / f"worker{i}"),
            LOG_LEVEL="INFO",
            SMS_BACKEND="cluster.sms.SlowGatewaySmsBackend",
        )

    def beats(self) -> None:
        for i in (1, 2):
            self.start_beat(i)

    def start_beat(self, i: int) -> None:
        self.start(
            f"beat{i}",
            [str(BIN / "celery"), "-A", "cluster.celery", "beat", "--loglevel=INFO"],
            self.env(
                DATA_DIR=str(VAR / f"beat{i}"),
                LOG_LEVEL="INFO",
                CLUSTER_HEARTBEAT_SECONDS=str(HEARTBEAT_SECONDS),
            ),
        )


TOTP_KEY = secrets.token_hex(20)


def session() -> requests.Session:
    """Blind to the environment's CA bundle and proxies, which would override the test's
    own certificate and send loopback traffic elsewhere."""
    http = requests.Session()
    http.trust_env = False
    return http


PLAIN = session()


def run(cmd: list[str], env: dict[str, str] | None) -> str:
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise RuntimeError(f"{' '.join(cmd[:4])} failed ({result.returncode})")
    return result.stdout


def _answers(url: str, verify: str | bool = True) -> bool:
    try:
        return PLAIN.get(url, timeout=2, verify=verify).status_code < 500
    except requests.RequestException:
        return False


def host_healthy(host: str) -> bool:
    """/healthz on one host, asked as nginx asks (the site's name, over TLS at nginx)."""
    try:
        response = PLAIN.get(
            f"http://{host}:{WEB_PORT}/healthz",
            headers={"Host": "localhost", "X-Forwarded-Proto": "https"},
            timeout=2,
        )
    except requests.RequestException:
        return False
    return response.status_code == 200


def redis_ping() -> bool:
    import redis

    try:
        return bool(redis.Redis(port=REDIS_PORT, socket_timeout=1, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def s3() -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=MOTO,
        region_name="us-east-1",
        aws_access_key_id="cluster",
        aws_secret_access_key="cluster-secret",  # noqa: S106 - moto accepts any key
    )


def render_site() -> str:
    """deploy/nginx.conf, each line marked `cluster-test:` pointed at this machine."""
    text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    web1, web2 = (f"{h}:{WEB_PORT}" for h in WEB_HOSTS)
    changes = {
        "web host 1": ("192.0.2.11:8000", web1),
        "web host 2": ("192.0.2.12:8000", web2),
        "http port": ("listen 80;", f"listen 127.0.0.1:{HTTP_PORT};"),
        "https port": ("listen 443 ssl http2;", f"listen 127.0.0.1:{HTTPS_PORT} ssl http2;"),
        "server name": ("complaints.example.org", "localhost"),
        "certificate": ("/etc/ssl/complaints/fullchain.pem", str(VAR / "tls" / "cert.pem")),
        "key": ("/etc/ssl/complaints/privkey.pem", str(VAR / "tls" / "key.pem")),
        "body temp": ("/var/lib/nginx/body", str(VAR / "nginx-tmp" / "body")),
        "proxy temp": ("/var/lib/nginx/proxy", str(VAR / "nginx-tmp" / "proxy")),
        "static root": ("/srv/complaints/static/", f"{VAR / 'lb' / 'static'}/"),
    }
    lines = []
    for line in text.splitlines():
        if "# cluster-test:" in line:
            code, mark = line.split("# cluster-test:")
            old, new = changes[mark.strip()]
            if old not in code:
                raise RuntimeError(
                    f"deploy/nginx.conf: the line marked {mark.strip()!r} no longer has {old!r}"
                )
            line = code.replace(old, new).rstrip()
        lines.append(line)
    return "\n".join(lines) + "\n"


# People --------------------------------------------------------------------------------------


class Person:
    """A browser: cookies, CSRF token, through nginx (TLS) unless a host is named."""

    def __init__(self, cert: Path) -> None:
        self.http = session()
        self.http.verify = str(cert)
        self.phone = f"19{secrets.randbelow(10**9):09d}"

    def headers(self, path: str) -> dict[str, str]:
        return {"Referer": f"{SITE}{path}"}

    def page_token(self, path: str) -> str:
        page = self.http.get(f"{SITE}{path}", timeout=30)
        page.raise_for_status()
        return CSRF.search(page.text).group(1)

    def post(self, path: str, data: Any, **kwargs: Any) -> requests.Response:
        return self.http.post(
            f"{SITE}{path}",
            data=data,
            headers=self.headers(path),
            allow_redirects=False,
            timeout=60,
            **kwargs,
        )

    def signup(self) -> bool:
        token = self.page_token("/accounts/signup/")
        password = uuid.uuid4().hex
        form = {
            "csrfmiddlewaretoken": token,
            "phone": self.phone,
            "password1": password,
            "password2": password,
        }
        response = self.post("/accounts/signup/", {**form, "accept_notice": "on"})
        if response.status_code != 302:
            return False
        code = poll("the sign-up SMS", lambda: sms_code(self.phone, VAR / "sms.jsonl"), 10)
        response = self.post("/accounts/signup/verify/", {"csrfmiddlewaretoken": token, "code": code})
        return response.status_code == 302

    def file(self) -> str | None:
        response = self.post("/complaints/new/", complaint_form(self.page_token("/complaints/new/")))
        location = response.headers.get("Location", "")
        match = REFERENCE.search(location)
        return match.group(1) if response.status_code == 302 and match and "/edit/" not in location else None

    def upload(self, reference: str, name: str, body: bytes, trace: str = "") -> requests.Response:
        path = f"/evidence/complaints/{reference}/upload/"
        return self.http.post(
            f"{SITE}{path}",
            files=[("files", (name, body, "application/octet-stream"))],
            headers={
                **self.headers(path),
                "Accept": "application/json",
                "X-CSRFToken": self.http.cookies.get("csrftoken", ""),
                "X-Trace": trace,
            },
            timeout=120,
        )

    def on_host(self, host: str, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Straight to one web host, as nginx would pass it on (cookies, forwarded headers)."""
        # By name, the newest last: the same cookie may have come from several hosts.
        jar = {c.name: c.value for c in self.http.cookies}
        cookies = "; ".join(f"{name}={value}" for name, value in jar.items())
        headers = {
            "Host": "localhost",
            "X-Forwarded-Proto": "https",
            "X-Real-IP": "127.0.0.1",
            "Cookie": cookies,
            "Referer": f"{SITE}{path}",
            **kwargs.pop("headers", {}),
        }
        return session().request(
            method,
            f"http://{host}:{WEB_PORT}{path}",
            headers=headers,
            allow_redirects=False,
            timeout=60,
            **kwargs,
        )


def sign_up_many(stack: Stack, n: int) -> list[Person]:
    people = [Person(stack.cert) for _ in range(n)]
    for person in people:
        if not person.signup():
            raise RuntimeError("a borrower could not sign up through nginx")
    return people


# 1. Uploads, downloads through the other host ------------------------------------------------


def upstream_of(trace: str) -> str:
    for line in (VAR / "nginx-access.log").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and parts[-1] == trace:
            return parts[2]
    return ""


def uploads_across_hosts(stack: Stack, people: list[Person]) -> dict[str, Any]:
    uploaded: list[tuple[Person, str, str, str]] = []  # person, evidence id, sha256, trace
    for n, person in enumerate(people):
        reference = person.file()
        if not reference:
            raise RuntimeError("a complaint could not be filed through nginx")
        for name, body in ((f"shot-{n}.png", png(n)), (f"call-{n}.wav", wav(n, 5))):
            trace = uuid.uuid4().hex
            response = person.upload(reference, name, body, trace)
            verdict = response.json()["files"][0] if response.status_code == 200 else {}
            if not verdict.get("accepted"):
                raise RuntimeError(f"upload refused: {response.status_code} {response.text[:200]}")
            if verdict["sha256"] != hashlib.sha256(body).hexdigest():
                raise RuntimeError("the server reported another hash than the bytes sent")
            uploaded.append((person, verdict["id"], verdict["sha256"], trace))
    ok = mismatched = 0
    served_by: dict[str, int] = {}
    for person, evidence_id, sha256, trace in uploaded:
        took = poll("nginx's log line", lambda trace=trace: upstream_of(trace), 5)
        served_by[took] = served_by.get(took, 0) + 1
        other = next(h for h in WEB_HOSTS if not took.startswith(h + ":"))
        response = person.on_host(other, "GET", f"/evidence/{evidence_id}/")
        if response.status_code == 302 and response.headers["Location"].startswith(MOTO):
            body = PLAIN.get(response.headers["Location"], timeout=60).content
            ok += hashlib.sha256(body).hexdigest() == sha256
            mismatched += hashlib.sha256(body).hexdigest() != sha256
        else:
            mismatched += 1
    return {
        "uploads": len(uploaded),
        "cross_host_downloads_ok": ok,
        "mismatched": mismatched,
        "uploads_per_host": served_by,
    }


# 2. Sessions, CSRF, rate limits, two-step login across hosts -----------------------------------


def across_hosts(stack: Stack, person: Person) -> dict[str, Any]:
    a, b = WEB_HOSTS
    seen = {h: person.on_host(h, "GET", "/complaints/mine/").status_code for h in WEB_HOSTS}
    # A form from host A, posted to host B with A's token: accepted. Without it: refused.
    page = person.on_host(a, "GET", "/complaints/new/")
    token = CSRF.search(page.text).group(1)
    filed = person.on_host(b, "POST", "/complaints/new/", data=complaint_form(token))
    without = person.on_host(
        b, "POST", "/complaints/new/", data={**complaint_form(token), "csrfmiddlewaretoken": ""}
    )
    # Sign-up codes for one number, alternately on both hosts: 5 an hour in all.
    stranger = Person(stack.cert)
    answers = []
    for i in range(7):
        host = WEB_HOSTS[i % 2]
        form_page = stranger.on_host(host, "GET", "/accounts/signup/")
        stranger.http.cookies.update(form_page.cookies)
        token = CSRF.search(form_page.text).group(1)
        password = uuid.uuid4().hex
        answers.append(
            stranger.on_host(
                host,
                "POST",
                "/accounts/signup/",
                data={
                    "csrfmiddlewaretoken": token,
                    "phone": stranger.phone,
                    "password1": password,
                    "password2": password,
                    "accept_notice": "on",
                },
            ).status_code
        )
    # An advocate: the password on host A, the TOTP code on host B, the queue on host A.
    advocate = Person(stack.cert)
    login_page = advocate.on_host(a, "GET", "/accounts/login/")
    advocate.http.cookies.update(login_page.cookies)
    token = CSRF.search(login_page.text).group(1)
    step1 = advocate.on_host(
        a,
        "POST",
        "/accounts/login/",
        data={
            "csrfmiddlewaretoken": token,
            "username": "cluster-advocate",
            "password": "cluster-password-2026",
        },
    )
    advocate.http.cookies.update(step1.cookies)
    before_code = advocate.on_host(b, "GET", "/cases/")
    # Logging in rotates the CSRF token: the code's form comes from host B's page.
    verify_page = advocate.on_host(b, "GET", "/accounts/two-factor/verify/")
    advocate.http.cookies.update(verify_page.cookies)
    token = CSRF.search(verify_page.text).group(1)
    step2 = advocate.on_host(
        b, "POST", "/accounts/two-factor/verify/", data={"csrfmiddlewaretoken": token, "token": totp_now()}
    )
    advocate.http.cookies.update(step2.cookies)
    queue = advocate.on_host(a, "GET", "/cases/")
    result = {
        "session_valid_on_both_hosts": all(code == 200 for code in seen.values()),
        "csrf_token_from_other_host_accepted": filed.status_code == 302,
        "post_without_csrf_refused": without.status_code == 403,
        "signup_codes_answers": answers,
        "rate_limit_shared": answers[:5] == [302] * 5 and answers[5:] == [429, 429],
        "two_step_login_across_hosts": step1.status_code == 302
        and before_code.status_code == 302
        and "two-factor" in before_code.headers.get("Location", "")
        and step2.status_code == 302
        and queue.status_code == 200,
    }
    result["ok"] = all(v for k, v in result.items() if k != "signup_codes_answers")
    return result


def totp_now() -> str:
    from django_otp.oath import totp

    return f"{totp(bytes.fromhex(TOTP_KEY)):06d}"


# 3. One beat at a time -----------------------------------------------------------------------

_BEAT_SENT = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}).*Sending due task (\S+) ")


def beat_sends() -> dict[str, list[float]]:
    sends: dict[str, list[float]] = {}
    for path in VAR.glob("beat*.log"):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            match = _BEAT_SENT.match(line)
            if match:
                when = time.mktime(time.strptime(match.group(1)[:19], "%Y-%m-%d %H:%M:%S"))
                sends.setdefault(match.group(2), []).append(when + int(match.group(1)[20:]) / 1000)
    return {name: sorted(times) for name, times in sends.items()}


def duplicates(sends: dict[str, list[float]]) -> int:
    """Sends of one job closer together than half its period (the heartbeat's is known;
    every other job's period is minutes or more)."""
    count = 0
    for name, times in sends.items():
        gap = HEARTBEAT_SECONDS / 2 if name == "cluster-heartbeat" else 60
        count += sum(1 for x, y in itertools.pairwise(times) if y - x < gap)
    return count


def holder() -> str:
    for i in (1, 2):
        if "beat: Acquired lock" in (VAR / f"beat{i}.log").read_text(encoding="utf-8", errors="replace"):
            return f"beat{i}"
    return ""


def one_beat_at_a_time(stack: Stack, watch: float) -> dict[str, Any]:
    active = poll("a beat to take the lock", holder, 60, every=0.2)
    standby = "beat2" if active == "beat1" else "beat1"
    time.sleep(watch)  # both beats up: the heartbeat must go out once per period
    heartbeats_before = len(beat_sends().get("cluster-heartbeat", []))
    killed_at = time.monotonic()
    stack.kill(active)
    standby_log = VAR / f"{standby}.log"
    poll(
        "the standby beat to take over",
        lambda: "beat: Acquired lock" in standby_log.read_text(encoding="utf-8", errors="replace"),
        BEAT_LOCK_SECONDS * 3 + 30,
    )
    failover = time.monotonic() - killed_at
    # The standby sends the heartbeat from now on; the killed one comes back as systemd
    # would restart it, and waits for the lock in turn.
    stack.start_beat(int(active[-1]))
    after = len(beat_sends().get("cluster-heartbeat", []))
    poll(
        "a heartbeat from the new holder", lambda: len(beat_sends().get("cluster-heartbeat", [])) > after, 30
    )
    time.sleep(HEARTBEAT_SECONDS * 3)
    sends = beat_sends()
    return {
        "beat_duplicates": duplicates(sends),
        "beat_failover_s": round(failover, 1),
        "beat_lock_seconds": BEAT_LOCK_SECONDS,
        "heartbeats_before_kill": heartbeats_before,
        "heartbeats_total": len(sends.get("cluster-heartbeat", [])),
        "heartbeat_seconds": HEARTBEAT_SECONDS,
    }


# 4. A worker killed mid-task -----------------------------------------------------------------


def come_back(task_id: str, what: str) -> bool:
    """Wait until the killed task's message was received again and that run succeeded."""
    poll(
        f"{what} to come back and finish",
        lambda: (
            worker_logs().count(f"[{task_id}] received") >= 2 and f"[{task_id}] succeeded" in worker_logs()
        ),
        120,
    )
    return True


def worker_logs() -> str:
    return "".join((VAR / f"worker{i}.log").read_text(encoding="utf-8", errors="replace") for i in (1, 2))


def pool_children(stack: Stack, name: str) -> list[int]:
    """The processes a worker (or gunicorn) started: its pool."""
    return children_of(stack.procs[name].pid)


def children_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def which_worker_received(task_id: str) -> str:
    for i in (1, 2):
        if f"[{task_id}] received" in (VAR / f"worker{i}.log").read_text(encoding="utf-8", errors="replace"):
            return f"worker{i}"
    return ""


def batch_lines() -> list[str]:
    texts = []
    with contextlib.suppress(FileNotFoundError), (VAR / "sms.jsonl").open(encoding="utf-8") as f:
        for line in f:
            text = json.loads(line)["text"]
            if text.startswith("cluster-batch-"):
                texts.append(text.split()[0])
    return texts


def kill_mid_reminders(stack: Stack, size: int) -> dict[str, Any]:
    task_id = stack.step("seed-reminders", str(size))["task_id"]
    worker = poll("a worker to take the sweep", lambda: which_worker_received(task_id), 30)
    poll("the first messages of the batch", lambda: len(batch_lines()) >= 3, 60, every=0.01)
    # Between two messages: the last one is written and marked sent; the next waits on
    # the gateway (0.2 s). The kill lands in that wait.
    time.sleep(0.08)
    sent_before = len(batch_lines())
    for pid in pool_children(stack, worker):
        os.kill(pid, signal.SIGKILL)
    redelivered = come_back(task_id, "the sweep")
    sent_on_redelivery = len(batch_lines()) - sent_before
    finished = stack.step("finish-reminders")
    lines = batch_lines()
    counts = {title: lines.count(title) for title in set(lines)}
    return {
        "redelivered": redelivered,
        "batch": size,
        "sent_before_kill": sent_before,
        "sent_by_redelivered_task": sent_on_redelivery,
        "sent_after_stale_claim": finished["sent_after_stale_claim"],
        "unsent": finished["unsent"] + size - len(counts),
        "sent_twice": sum(1 for c in counts.values() if c > 1),
    }


def evidence_state(public_id: str) -> str:
    import psycopg

    with psycopg.connect(f"{PG}/{DATABASE}") as conn:
        row = conn.execute("SELECT state FROM evidence_evidence WHERE public_id = %s", [public_id]).fetchone()
    return row[0] if row else ""


def kill_mid_evidence(stack: Stack, person: Person, seconds: int) -> dict[str, Any]:
    reference = person.file()

    def busy_worker(public_id: str) -> tuple[str, int] | str | None:
        # The worker whose process has started a decoder (ffmpeg) for this file.
        state = evidence_state(public_id)
        if state != "processing":
            return "missed" if state == "ready" else None
        for name in ("worker1", "worker2"):
            for child in pool_children(stack, name):
                if children_of(child):
                    return name, child
        return None

    # A busy machine may finish a recording between two looks: then another, longer one.
    for attempt in range(3):
        response = person.upload(
            reference, f"long-call-{attempt}.wav", wav(7 + attempt, seconds * (attempt + 1))
        )
        public_id = response.json()["files"][0]["id"]
        found = poll(
            "the recording's processing to start",
            lambda public_id=public_id: busy_worker(public_id),
            60,
            every=0.02,
        )
        if found != "missed":
            break
    else:
        raise RuntimeError("every recording was processed before the test could kill its worker")
    worker, child = found
    # The killed worker's latest processing task is this file's.
    own_log = (VAR / f"{worker}.log").read_text(encoding="utf-8", errors="replace")
    task_ids = re.findall(r"evidence\.tasks\.process_evidence\[([0-9a-f-]+)\] received", own_log)
    task_id = task_ids[-1]
    decoders = children_of(child)
    os.kill(child, signal.SIGKILL)
    for pid in decoders:  # what a dead worker's decoder would not outlive on a real host either
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    redelivered = come_back(task_id, "the processing task")
    state_after_redelivery = evidence_state(public_id)
    finished = stack.step("finish-evidence", public_id)
    return {
        "redelivered": redelivered,
        "killed": worker,
        "state_after_redelivery": state_after_redelivery,
        "state_after_stale_claim": finished["state"],
        "attempts": finished["attempts"],
        "done": finished["state"] == "ready" and finished["display_file"],
    }


# 5. Redis restarted under traffic --------------------------------------------------------------


class Traffic(threading.Thread):
    """Borrowers filing and uploading through nginx until told to stop; every success is
    written down in loadtest/verify.py's format."""

    def __init__(self, people: list[Person], claims: Path) -> None:
        super().__init__(daemon=True)
        self.people, self.claims = people, claims
        self.stop = threading.Event()
        self.results: list[tuple[float, int]] = []

    def note(self, status: int) -> None:
        self.results.append((time.monotonic(), status))

    def claim(self, record: dict[str, str]) -> None:
        with self.claims.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def run(self) -> None:
        n = 0
        latest: dict[int, str] = {}
        while not self.stop.is_set():
            turn, slot = divmod(n, len(self.people))
            person = self.people[slot]
            n += 1
            try:
                # A borrower may file 20 complaints an hour: each files every fourth turn
                # and uploads to their latest complaint in between, so that a fast machine
                # does not spend the allowance before the restart's clean window is over.
                reference = latest.get(slot) if turn % 4 else None
                if reference is None:
                    reference = person.file()
                    self.note(302 if reference else 500)
                    if not reference:
                        time.sleep(0.2)
                        continue
                    latest[slot] = reference
                    self.claim({"type": "complaint", "reference": reference})
                body = png(1000 + n)
                response = person.upload(reference, f"during-{n}.png", body)
                self.note(response.status_code)
                if response.status_code == 200:
                    verdict = response.json()["files"][0]
                    if verdict["accepted"]:
                        self.claim({"type": "file", "id": verdict["id"], "sha256": verdict["sha256"]})
            except (requests.RequestException, ValueError, AttributeError):
                self.note(599)
                time.sleep(0.2)
            # Paced, for the per-account upload allowance (300 files an hour) in the same way.
            time.sleep(0.05)


def redis_restart(
    stack: Stack, people: list[Person], down: float
) -> tuple[dict[str, Any], tuple[float, float]]:
    claims = VAR / "claims.jsonl"
    claims.write_text("")
    traffic = Traffic(people, claims)
    traffic.start()
    time.sleep(5)
    window_start = time.time()
    stopped_at = time.monotonic()
    # SHUTDOWN as `systemctl restart redis` does: the append-only file is written first.
    stack.kill("redis", signal.SIGTERM)
    stack.procs["redis"].wait(timeout=30)
    time.sleep(down)
    stack.redis()
    back_at = time.monotonic()
    # Traffic goes on until it has run clean for 10 s (or 90 s have passed).
    poll(
        "traffic to run clean after the restart",
        lambda: (
            time.monotonic() - back_at > 10
            and all(s < 500 for t, s in traffic.results if t > time.monotonic() - 10)
        ),
        90,
        every=0.5,
    )
    traffic.stop.set()
    traffic.join(timeout=120)
    window_end = time.time()
    errors_after = [t - back_at for t, s in traffic.results if s >= 500 and t >= back_at]
    # Sessions: every borrower is still logged in.
    sessions_ok = all(
        p.http.get(f"{SITE}/complaints/mine/", timeout=30, allow_redirects=False).status_code == 200
        for p in people
    )
    # The queue: a file uploaded now is processed by a worker.
    person = people[0]
    reference = person.file()
    response = person.upload(reference, "after-restart.png", png(4242))
    public_id = response.json()["files"][0]["id"]
    queue_started = time.monotonic()
    poll(
        "a worker to process a file after the restart",
        lambda: evidence_state(public_id) == "ready",
        120,
        every=0.3,
    )
    check = json.loads(
        run([str(BIN / "python"), "-m", "loadtest.verify", str(claims)], stack.env()).strip().splitlines()[-1]
    )
    lost = (
        len(check["complaints_missing"]) + len(check["files_missing"]) + len(check["files_with_wrong_hash"])
    )
    return (
        {
            "redis_down_s": round(back_at - stopped_at, 1),
            "requests": len(traffic.results),
            "errors_while_down": sum(1 for t, s in traffic.results if s >= 500 and stopped_at <= t < back_at),
            "errors_after_s": round(max(errors_after), 1) if errors_after else 0,
            "complaints_confirmed": check["complaints_claimed"],
            "files_confirmed": check["files_claimed"],
            "lost": lost,
            "sessions_survived": sessions_ok,
            "queue_recovered_s": round(time.monotonic() - queue_started, 1),
        },
        (window_start, window_end),
    )


def restart_dead(stack: Stack) -> list[str]:
    """What systemd's Restart=always would bring back after a fault."""
    restarted = []
    for name, proc in list(stack.procs.items()):
        if proc.poll() is None or name in ("redis",):
            continue
        if name.startswith("beat"):
            stack.start_beat(int(name[-1]))
        elif name.startswith("worker"):
            i = int(name[-1])
            stack.start(name, stack.worker_cmd(i), stack.worker_env(i))
        else:
            raise RuntimeError(f"{name} died (see {VAR / name}.log)")
        restarted.append(name)
    return restarted


# 6. Backup and restore -----------------------------------------------------------------------


def backup_and_restore(stack: Stack) -> dict[str, Any]:
    folder = VAR / "backup"
    shutil.rmtree(folder, ignore_errors=True)
    # What `make backup` and `make restore` run.
    python = str(BIN / "python")
    backup = json.loads(
        run([python, "-m", "ops.backup", "--out", str(folder)], stack.env()).strip().splitlines()[-1]
    )
    target = stack.env(DATABASE_URL=f"{PG}/{RESTORE_DATABASE}", EVIDENCE_S3_BUCKET=RESTORE_BUCKET)
    restored = json.loads(run([python, "-m", "ops.restore", str(folder)], target).strip().splitlines()[-1])
    return {
        "rows_match": restored["rows_match"],
        "tables": restored["tables"],
        "rows": restored["rows"],
        "objects": restored["objects_restored"],
        "files_verified": restored["files_verified"],
        "mismatched": restored["mismatched"] + len(restored["objects_bad"]),
        "backup_s": backup["seconds"],
        "backup_bytes": backup["bytes"],
        "restore_s": restored["seconds"],
    }


# The run -------------------------------------------------------------------------------------


def server_errors(windows: list[tuple[float, float]]) -> tuple[int, int]:
    """5xx answers in nginx's log: outside the deliberate faults' windows, and inside."""
    outside = inside = 0
    for line in (VAR / "nginx-access.log").read_text(encoding="utf-8").splitlines():
        stamp, status = line.split()[:2]
        if status.startswith("5"):
            if any(a <= float(stamp) <= b for a, b in windows):
                inside += 1
            else:
                outside += 1
    return outside, inside


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def memory(stack: Stack) -> dict[str, float]:
    """Resident memory after the run: the largest web worker and Celery worker process."""
    web = [_rss_mb(p) for name in ("web1", "web2") for p in pool_children(stack, name)]
    celery = [_rss_mb(p) for name in ("worker1", "worker2") for p in pool_children(stack, name)]
    return {"web_worker": max(web, default=0.0), "celery_worker": max(celery, default=0.0)}


def drop_databases() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for name in (DATABASE, RESTORE_DATABASE):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def lock_machine() -> Any:
    """One cluster test at a time on this machine: the ports are fixed."""
    VAR.parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.gettempdir()) / "collection-complaints-cluster-test.lock"
    handle = path.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log("another cluster test runs on this machine; waiting for it")
        fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller counts, no timings (CI)")
    args = parser.parse_args()
    profile = PROFILES["quick" if args.quick else "full"]
    lock = lock_machine()
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    stack = Stack(args.quick)
    report: dict[str, Any] = {"profile": "quick" if args.quick else "full"}
    started = time.monotonic()
    # SIGTERM (CI's time limit, a Ctrl-C's cousin) still runs the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    failure = ""
    try:
        log("starting: TLS certificate, Redis, S3 (moto), databases, two web hosts, nginx")
        stack.tls()
        stack.redis()
        stack.moto()
        stack.database()
        stack.web()
        stack.nginx()
        log("starting two workers and two beats")
        stack.workers()
        stack.beats()
        people = sign_up_many(stack, profile["borrowers"])
        log(f"{len(people)} borrowers signed up; uploading and downloading across hosts")
        report["files"] = uploads_across_hosts(stack, people)
        log(f"files: {report['files']}")
        report["across_hosts"] = across_hosts(stack, people[0])
        log(f"across hosts: {report['across_hosts']}")
        report["beat"] = one_beat_at_a_time(stack, profile["beat_watch_s"])
        log(f"beat: {report['beat']}")
        report["worker_kill"] = {
            "reminders": kill_mid_reminders(stack, profile["batch"]),
            "evidence": kill_mid_evidence(stack, people[1], profile["recording_s"]),
        }
        log(f"worker kill: {report['worker_kill']}")
        report["redis_restart"], window = redis_restart(stack, people, profile["redis_down_s"])
        report["restarted_after_redis"] = restart_dead(stack)
        log(f"redis restart: {report['redis_restart']} (restarted: {report['restarted_after_redis']})")
        report["restore"] = backup_and_restore(stack)
        log(f"restore: {report['restore']}")
        report["errors"], report["errors_in_fault_windows"] = server_errors([window])
        report["memory_mb"] = memory(stack)
    except (
        RuntimeError,
        OSError,
        ValueError,
        KeyError,
        subprocess.SubprocessError,
        requests.RequestException,
    ) as e:
        # Written down with what was measured so far; the logs are beside the report.
        failure = f"{type(e).__name__}: {e}"
        report["failure"] = failure
    finally:
        stack.stop_all()
        drop_databases()
        lock.close()
    report["wall_s"] = round(time.monotonic() - started, 1)
    if args.quick and "restore" in report:
        for key in ("backup_s", "restore_s"):
            report["restore"].pop(key, None)
    summary = {"completed": False} if failure else summarise(report)
    report["ok"] = all(summary.values())
    report["checks"] = summary
    (VAR / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    log("OK" if report["ok"] else f"FAILED: {[k for k, v in summary.items() if not v]}")
    return 0 if report["ok"] else 1


def summarise(r: dict[str, Any]) -> dict[str, bool]:
    kill = r["worker_kill"]
    return {
        "downloads_through_the_other_host": r["files"]["cross_host_downloads_ok"] == r["files"]["uploads"] > 0
        and r["files"]["mismatched"] == 0,
        "sessions_csrf_limits_two_step_across_hosts": r["across_hosts"]["ok"],
        "one_beat_at_a_time": r["beat"]["beat_duplicates"] == 0
        and r["beat"]["beat_failover_s"] <= BEAT_LOCK_SECONDS * 3,
        # The redelivered task itself finishes the work: nothing is left to the stale claims.
        "worker_kill_reminders": kill["reminders"]["redelivered"]
        and kill["reminders"]["sent_twice"] == 0
        and kill["reminders"]["unsent"] == 0
        and kill["reminders"]["sent_after_stale_claim"] == 0,
        "worker_kill_evidence": kill["evidence"]["redelivered"]
        and kill["evidence"]["state_after_redelivery"] == "ready"
        and kill["evidence"]["done"],
        "redis_restart": r["redis_restart"]["lost"] == 0
        and r["redis_restart"]["sessions_survived"]
        and r["redis_restart"]["files_confirmed"] > 0,
        "restore": r["restore"]["rows_match"]
        and r["restore"]["mismatched"] == 0
        and r["restore"]["files_verified"] > 0,
        "no_server_errors": r["errors"] == 0,
    }


if __name__ == "__main__":
    raise SystemExit(main())
