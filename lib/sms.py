"""SMS sending behind a small interface. No gateway is reachable in development, so the
default backend only logs; a real one (Aliyun, Tencent Cloud...) is one small class.

It lives in lib because both accounts (sign-up codes) and notifications (reminders)
send SMS, and accounts sits below notifications.
"""

from __future__ import annotations

import json
import logging
import os

from django.conf import settings
from django.utils.module_loading import import_string

from lib.phones import mask_phone

logger = logging.getLogger(__name__)


class BaseSmsBackend:
    def send(self, number: str, text: str) -> None:
        """Send `text` to a mainland mobile number; raise on failure so the caller can retry
        or say so. A gateway must time out within a few seconds: sign-up waits for it."""
        raise NotImplementedError


class LoggingSmsBackend(BaseSmsBackend):
    def send(self, number: str, text: str) -> None:
        # Masked: logs travel further than the database and must not carry the number.
        logger.info("SMS to %s: %s", mask_phone(number), text)


class MemorySmsBackend(BaseSmsBackend):
    """For tests: keeps what was sent."""

    outbox: list[tuple[str, str]] = []

    def send(self, number: str, text: str) -> None:
        MemorySmsBackend.outbox.append((number, text))


class FileSmsBackend(BaseSmsBackend):
    """For the load test, whose simulated people run in other processes than the server:
    one JSON line per message in SMS_FILE_PATH, full number and text. Never for production."""

    def send(self, number: str, text: str) -> None:
        line = json.dumps({"number": number, "text": text}, ensure_ascii=False) + "\n"
        # One write with O_APPEND: lines from several server processes never interleave.
        fd = os.open(settings.SMS_FILE_PATH, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)


def sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


def sms_shown_on_page() -> bool:
    """Development only: with DEBUG on and the logging backend no phone ever gets the text,
    so pages that wait for an SMS may show it (clearly marked) to the person testing."""
    return bool(settings.DEBUG) and type(sms_backend()) is LoggingSmsBackend
