from __future__ import annotations

import logging
import sys
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from escalations.inbound import inbound_receive

logger = logging.getLogger(__name__)

# sysexits.h: an MTA (Postfix, Exim, fetchmail's MDA) keeps the message and tries again.
EX_TEMPFAIL = 75
_BLOCK = 1024 * 1024


def read_limited(stream: IO[bytes], limit: int) -> tuple[bytes, bool]:
    """At most `limit` + 1 bytes: (what was read, whether there was more than `limit`)."""
    chunks = []
    left = limit + 1
    while left > 0:
        block = stream.read(min(_BLOCK, left))
        if not block:
            break
        chunks.append(block)
        left -= len(block)
    data = b"".join(chunks)
    return data, len(data) > limit


def _drain(stream: IO[bytes]) -> None:
    # An MTA writing into a pipe nobody reads sees a broken pipe and calls the delivery
    # failed; the rest of an oversized message is read and dropped.
    while stream.read(_BLOCK):
        pass


class Command(BaseCommand):
    help = (
        "Reads one email (RFC 822) from FILE, or from standard input with '-', as an MTA pipes it, "
        "and puts a reply to a letter the app sent into its case; anything else goes to the admin "
        "queue. Exit status 0 once the message is stored (or was already), 75 (EX_TEMPFAIL) when it "
        "could not be, so that the MTA tries again."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("source", nargs="?", default="-", help="A file holding the message, or '-'.")
        parser.add_argument(
            "--recipient",
            action="append",
            default=[],
            help="The envelope recipient, when the MTA gives it (Postfix: ${original_recipient}).",
        )

    def handle(
        self, *args: Any, source: str = "-", recipient: list[str] | None = None, **options: Any
    ) -> None:
        limit = settings.INBOUND_MAIL_MAX_BYTES
        if source == "-":
            stream = sys.stdin.buffer
            raw, oversized = read_limited(stream, limit)
            if oversized:
                _drain(stream)
        else:
            try:
                with open(source, "rb") as f:
                    raw, oversized = read_limited(f, limit)
            except OSError as e:
                raise CommandError(f"cannot read {source}: {e.strerror}") from e
        try:
            result = inbound_receive(
                raw=raw, now=timezone.now(), oversized=oversized, envelope_recipients=tuple(recipient or ())
            )
        except DatabaseError as e:
            # The database is down or refused the write: the MTA keeps the message.
            logger.warning("inbound mail not stored, database error: %s", type(e).__name__)
            raise CommandError("database unavailable; try again later", returncode=EX_TEMPFAIL) from e
        except Exception as e:
            # Deferred, not bounced: a bounce would go back to the lender with our error,
            # while a deferred message waits in the MTA's queue until the fault is fixed.
            logger.exception("inbound mail not stored")
            raise CommandError(
                f"not stored ({type(e).__name__}); try again later", returncode=EX_TEMPFAIL
            ) from e
        inbound = result.inbound
        if result.duplicate:
            self.stdout.write(f"duplicate: already stored as #{inbound.pk} ({inbound.state})")
        else:
            self.stdout.write(f"stored #{inbound.pk}: {inbound.state}")
