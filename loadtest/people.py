"""What simulated people need without a load tool: sign-up codes from the SMS file, small
valid evidence files, the patterns that find a form's CSRF token and a filed complaint's
reference. Shared by the load test (locustfile.py) and `make cluster-test`."""

from __future__ import annotations

import io
import json
import os
import random
import re
import struct
import zlib

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


def sms_code(number: str, path: str | os.PathLike = SMS) -> str:
    """The sign-up code the server texted to `number` (the latest one)."""
    with open(path, encoding="utf-8") as f:
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


def wav(seed: int, seconds: int = 1) -> bytes:
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        second = bytes((seed + i) % 256 for i in range(16000))
        out.writeframes(second * seconds)
    return buffer.getvalue()


def complaint_form(token: str) -> dict:
    """A complaint with two incidents, submitted (not saved as a draft)."""
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
    return data
