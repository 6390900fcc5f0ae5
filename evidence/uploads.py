"""Streaming upload handling: every file goes to a temporary file, hashed as it arrives.

Django's default handlers keep small files in memory and large ones on disk; for
evidence we want one behaviour whatever the size, the SHA-256 of the exact bytes sent
without reading them a second time, and a hard ceiling that stops writing a file that
is too large without aborting the request (so the other files still arrive).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler


def max_upload_bytes() -> int:
    """No kind of evidence may be larger than this; a file past it is not kept at all."""
    return max(settings.EVIDENCE_MAX_BYTES.values())


class HashingTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._sha256 = hashlib.sha256()
        self._received = 0
        self._limit = max_upload_bytes()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self._received += len(raw_data)
        if self._received > self._limit:
            # Keep counting but stop storing: the file is refused later with its real size.
            return None
        self._sha256.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> Any:
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self._sha256.hexdigest()
        uploaded.received_bytes = self._received
        uploaded.too_large = self._received > self._limit
        return uploaded
