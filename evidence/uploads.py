"""Streaming upload handling: every file goes to a temporary file, hashed as it arrives.

Django's default handlers keep small files in memory and large ones on disk; for
evidence we want one behaviour whatever the size, the SHA-256 of the exact bytes sent
without reading them a second time, and a hard ceiling that stops writing a file that
is too large without aborting the request (so the other files still arrive). The bytes
are also searched for hidden web code as they arrive, so that checking a large
recording does not read it all again.
"""

from __future__ import annotations

import hashlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from .validation import MarkerScan


def max_upload_bytes() -> int:
    """No kind of evidence may be larger than this; a file past it is not kept at all."""
    return max(settings.EVIDENCE_MAX_BYTES.values())


class _BackgroundSha256:
    """SHA-256 on a second thread, block after block in order, while the request thread
    goes on receiving, writing and scanning. hashlib lets go of the GIL while it hashes a
    large block, so both run at once. On a CPU without SHA instructions hashing runs at
    220-270 MB/s: done in line, it took more of an upload's time than anything else."""

    # Blocks (of 1 MiB) handed over and not hashed yet, at most: a client faster than the
    # hashing waits, and the memory they hold stays bounded.
    AHEAD = 2

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        # A pool of one: its thread ends when the pool is shut down or garbage-collected,
        # also when the request dies halfway through a file.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-sha256")
        self._pending: deque[Future[None]] = deque()

    def update(self, data: bytes) -> None:
        self._pending.append(self._pool.submit(self._sha256.update, data))
        while len(self._pending) > self.AHEAD:
            self._pending.popleft().result()

    def hexdigest(self) -> str:
        while self._pending:
            self._pending.popleft().result()
        self._pool.shutdown()
        return self._sha256.hexdigest()

    def cancel(self) -> None:
        self._pending.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)


class HashingTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    # Django reads the body in blocks of the smallest chunk_size of its handlers (64 KiB by
    # default). Larger blocks mean fewer turns of its parser's loop and, under gunicorn,
    # less copying: it buffers up to 1 MiB per recv() and copies what is left of that
    # buffer on every read (its Unreader was a third of an upload's time under py-spy).
    # 256 KiB took 40 % less CPU than 64 KiB on a 300 MB recording; on a CPU with SHA
    # instructions, where hashing no longer sets the pace, 1 MiB took another 20 % off
    # the wall time of 100 MiB and 300 MB uploads (`make bench`).
    chunk_size = 1024 * 1024

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._sha256 = _BackgroundSha256()
        self._scan = MarkerScan()
        self._received = 0
        self._limit = max_upload_bytes()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self._received += len(raw_data)
        if self._received > self._limit:
            # Keep counting but stop storing: the file is refused later with its real size.
            return None
        self._sha256.update(raw_data)
        self.file.write(raw_data)
        self._scan.feed(raw_data)
        return None

    def file_complete(self, file_size: int) -> Any:
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self._sha256.hexdigest()
        uploaded.marker_scan = self._scan
        uploaded.received_bytes = self._received
        uploaded.too_large = self._received > self._limit
        return uploaded

    def upload_interrupted(self) -> None:
        if hasattr(self, "_sha256"):
            self._sha256.cancel()
        super().upload_interrupted()
