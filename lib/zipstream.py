"""A ZIP archive built while it is sent: what the archive writes is handed over in pieces,
so a gigabyte of evidence never sits in a web worker's memory."""

from __future__ import annotations

import io


class ZipPipe(io.RawIOBase):
    """A write-only buffer that hands over what was written so far."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._chunks.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data
