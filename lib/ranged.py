"""File responses with HTTP Range support, so a browser's audio player can seek.

Django's FileResponse always sends the whole file; a one-hour recording must be
seekable without downloading it all first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_BLOCK = 64 * 1024


def _stream(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            block = handle.read(min(_BLOCK, remaining))
            if not block:
                break
            remaining -= len(block)
            yield block
    finally:
        handle.close()


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) for one satisfiable range; None for no or a multi-part range."""
    match = _RANGE.match(header.strip())
    if not match:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        suffix = int(last)
        if suffix == 0:
            raise ValueError("empty suffix range")
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        raise ValueError("unsatisfiable")
    return start, min(end, size - 1)


def ranged_file_response(
    request: HttpRequest,
    handle: IO[bytes],
    *,
    size: int,
    content_type: str,
    filename: str,
    as_attachment: bool,
) -> HttpResponse:
    header = request.headers.get("Range", "")
    start, end, status = 0, size - 1, 200
    if header and request.method in ("GET", "HEAD"):
        try:
            parsed = _parse_range(header, size)
        except ValueError:
            handle.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        if parsed is not None:
            start, end = parsed
            status = 206
    length = end - start + 1 if size else 0
    response = StreamingHttpResponse(_stream(handle, start, length), status=status, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    return response
