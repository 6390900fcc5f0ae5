"""Borrowers signing up, filing complaints with incidents and uploading files; advocates
browsing the queue. Every success the server confirms is written down, so that the
runner can check afterwards that the database and storage really hold it."""

from __future__ import annotations

import io
import json
import os
import random
import re
import struct
import uuid
import zlib

from locust import HttpUser, between, task

CLAIMS = os.environ.get("LOADTEST_CLAIMS", "var/loadtest/claims.jsonl")
# The server runs lib.sms.FileSmsBackend here: each SMS is a JSON line in this file.
SMS = os.environ.get("SMS_FILE_PATH", "var/loadtest/sms.jsonl")
SMS_CODE = re.compile(r"\b(\d{6})\b")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REFERENCE = re.compile(r"/complaints/([0-9A-Z]{5}-[0-9A-Z]{5})/")


def claim(record: dict) -> None:
    # One line per success; lines from several processes never interleave (O_APPEND).
    with open(CLAIMS, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


def sms_code(number: str) -> str:
    """The sign-up code the server texted to `number` (the latest one)."""
    with open(SMS, encoding="utf-8") as f:
        lines = f.readlines()
    for line in reversed(lines):
        message = json.loads(line)
        if message["number"] == number:
            match = SMS_CODE.search(message["text"])
            return match.group(1) if match else ""
    return ""


def png(seed: int) -> bytes:
    """A small, valid, unique PNG, made without Pillow so the load tool stays light."""
    width = height = 16
    raw = b"".join(b"\x00" + bytes([(seed + x + y) % 256 for x in range(width * 3)]) for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def wav(seed: int) -> bytes:
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes((seed + i) % 256 for i in range(16000)))
    return buffer.getvalue()


class Borrower(HttpUser):
    weight = 5
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        page = self.client.get("/accounts/signup/")
        token = CSRF.search(page.text).group(1)
        phone = f"19{random.randrange(10**9):09d}"
        password = uuid.uuid4().hex
        response = self.client.post(
            "/accounts/signup/",
            {
                "csrfmiddlewaretoken": token,
                "phone": phone,
                "password1": password,
                "password2": password,
                "accept_notice": "on",
            },
            headers={"Referer": self.host + "/accounts/signup/"},
            allow_redirects=False,
            name="/accounts/signup/ [POST]",
        )
        if response.status_code == 302:
            # The number is proven with the code from the SMS, as a person would.
            response = self.client.post(
                "/accounts/signup/verify/",
                {"csrfmiddlewaretoken": token, "code": sms_code(phone)},
                headers={"Referer": self.host + "/accounts/signup/verify/"},
                allow_redirects=False,
                name="/accounts/signup/verify/ [POST]",
            )
        self.ok = response.status_code == 302
        self.references: list[str] = []

    @task(2)
    def file_complaint(self) -> None:
        if not self.ok:
            return
        page = self.client.get("/complaints/new/")
        token = CSRF.search(page.text).group(1)
        data = {
            "csrfmiddlewaretoken": token,
            "lender_name": random.choice(["小赢卡贷", "拍拍贷", "360借条", "安逸花", "某新平台"]),
            "filer_relation": "self",
            "summary": "催收人员给我的家人和同事打电话。",
            "desired_outcomes": ["stop_third_parties"],
            "province": "440000",
            "is_overdue": "unknown",
            "consent_sensitive": "on",
            "incidents-TOTAL_FORMS": "2",
            "incidents-INITIAL_FORMS": "0",
            "incidents-MIN_NUM_FORMS": "0",
            "incidents-MAX_NUM_FORMS": "30",
            "action": "submit",
        }
        for i in range(2):
            data.update(
                {
                    f"incidents-{i}-occurred_at": f"2026-11-2{i}T21:3{i}",
                    f"incidents-{i}-channel": "call",
                    f"incidents-{i}-kind": "third_parties",
                    f"incidents-{i}-collector_id": f"17100{random.randrange(200):06d}",
                    f"incidents-{i}-contacted": "family",
                    f"incidents-{i}-description": "说要去单位闹",
                }
            )
        response = self.client.post(
            "/complaints/new/",
            data,
            headers={"Referer": self.host + "/complaints/new/"},
            allow_redirects=False,
            name="/complaints/new/ [POST]",
        )
        match = REFERENCE.search(response.headers.get("Location", ""))
        if response.status_code == 302 and match and "/edit/" not in response.headers["Location"]:
            self.references.append(match.group(1))
            claim({"type": "complaint", "reference": match.group(1)})
            # Evidence right after filing, as people do: every filed complaint gets files.
            self.upload_to(match.group(1))

    @task(3)
    def upload(self) -> None:
        if self.references:
            self.upload_to(random.choice(self.references))

    def upload_to(self, reference: str) -> None:
        token = self.client.cookies.get("csrftoken")
        seed = random.randrange(10**6)
        files = [
            ("files", (f"shot-{seed}.png", png(seed), "image/png")),
            ("files", (f"call-{seed}.wav", wav(seed), "audio/wav")),
        ]
        response = self.client.post(
            f"/evidence/complaints/{reference}/upload/",
            files=files,
            headers={"Accept": "application/json", "X-CSRFToken": token, "Referer": self.host + "/"},
            name="/evidence/complaints/[ref]/upload/",
        )
        if response.status_code == 200:
            for verdict in response.json()["files"]:
                if verdict["accepted"]:
                    claim(
                        {
                            "type": "file",
                            "id": verdict["id"],
                            "sha256": verdict["sha256"],
                            "reference": reference,
                        }
                    )

    @task(1)
    def my_complaints(self) -> None:
        if self.ok:
            self.client.get("/complaints/mine/")


class Advocate(HttpUser):
    weight = 1
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        number = random.randrange(int(os.environ.get("LOADTEST_ADVOCATES", "5")))
        page = self.client.get("/accounts/login/")
        token = CSRF.search(page.text).group(1)
        self.client.post(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": token,
                "username": f"load-advocate-{number}",
                "password": "load-test-password",
            },
            headers={"Referer": self.host + "/accounts/login/"},
            name="/accounts/login/ [POST]",
        )

    @task
    def queue(self) -> None:
        self.client.get(
            random.choice(["/cases/", "/cases/?sort=due", "/cases/?kind=third_parties&per_page=50"]),
            name="/cases/",
        )
