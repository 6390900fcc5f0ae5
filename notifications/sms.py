"""SMS sending behind a small interface. No gateway is reachable in development, so the
default backend only logs; a real one (Aliyun, Tencent Cloud...) is one small class."""

from __future__ import annotations

import logging

from lib.phones import mask_phone

logger = logging.getLogger(__name__)


class BaseSmsBackend:
    def send(self, number: str, text: str) -> None:
        """Send `text` to a mainland mobile number; raise on failure so the sweep retries."""
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
