"""Deciding what an uploaded file really is, from its bytes, and refusing what we do not keep.

Order of checks: size, the type libmagic sees, the name's extension against that type,
then a full parse with the decoder of that type (a header alone fools every sniffer),
then what hides behind the end of the real content (polyglots) and script markers.
Every refusal is an EvidenceRejected with a message for the person who uploaded it.

Pictures and PDFs are decoded in a child process with a memory and time limit
(contained.py). Recordings are only parsed here, which is quick: decoding every second
of a two-hour call would hold the request too long, so processing does that (services).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import struct
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import magic
import mutagen
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from . import contained

try:
    import pillow_heif  # noqa: F401 - only whether it is there; the child process uses it

    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - the wheel is in requirements; this guards odd platforms
    HEIF_SUPPORTED = False


class Kind:
    RECORDING = "recording"
    IMAGE = "image"
    DOCUMENT = "document"
    CHAT = "chat"


@dataclass(frozen=True)
class FileType:
    kind: str
    content_type: str  # what we serve it as, whatever libmagic's spelling was
    extensions: frozenset[str]


_JPEG = FileType(Kind.IMAGE, "image/jpeg", frozenset({".jpg", ".jpeg", ".jfif"}))
_PNG = FileType(Kind.IMAGE, "image/png", frozenset({".png"}))
_WEBP = FileType(Kind.IMAGE, "image/webp", frozenset({".webp"}))
_HEIC = FileType(Kind.IMAGE, "image/heic", frozenset({".heic", ".heif"}))
_MP3 = FileType(Kind.RECORDING, "audio/mpeg", frozenset({".mp3"}))
_M4A = FileType(Kind.RECORDING, "audio/mp4", frozenset({".m4a", ".mp4", ".aac"}))
_AAC = FileType(Kind.RECORDING, "audio/aac", frozenset({".aac"}))
_AMR = FileType(Kind.RECORDING, "audio/amr", frozenset({".amr"}))
_WAV = FileType(Kind.RECORDING, "audio/wav", frozenset({".wav"}))
_OGG = FileType(Kind.RECORDING, "audio/ogg", frozenset({".ogg", ".oga", ".opus"}))
_PDF = FileType(Kind.DOCUMENT, "application/pdf", frozenset({".pdf"}))
_TEXT = FileType(Kind.CHAT, "text/plain", frozenset({".txt"}))

# libmagic's answer -> what we accept. Anything not listed is refused.
SNIFFED_TYPES: dict[str, FileType] = {
    "image/jpeg": _JPEG,
    "image/png": _PNG,
    "image/webp": _WEBP,
    "image/heic": _HEIC,
    "image/heif": _HEIC,
    "audio/mpeg": _MP3,
    "audio/x-m4a": _M4A,
    "audio/mp4": _M4A,
    "audio/x-hx-aac-adts": _AAC,
    "audio/aac": _AAC,
    "audio/amr": _AMR,
    "audio/x-wav": _WAV,
    "audio/wav": _WAV,
    "audio/ogg": _OGG,
    "application/pdf": _PDF,
    "text/plain": _TEXT,
}
ACCEPTED_EXTENSIONS = sorted({ext for t in SNIFFED_TYPES.values() for ext in t.extensions})

# Markers of something a browser or a server would execute, searched for in every byte of
# pictures and recordings. Compressed media are random-looking bytes, so a short marker
# turns up by chance: "<%@" (3 bytes) appeared seven times in a half-hour, 29 MB MP3, and
# each AMR frame starts with "<". Only markers of 2^-42 or less per position are kept: by
# chance, fewer than one in 10,000 recordings of the 300 MB maximum. The dropped "<html",
# "<body" and "<svg" run no code without a "<script" (downloads are sandboxed anyway).
_SCRIPT_MARKERS = (b"<script", b"<iframe", b"<!doctype", b"<?php ", b"<?php\n", b"<?php\r", b"<?php\t")
_CHUNK = 1024 * 1024
_NAME_MAX = 120


class EvidenceRejected(Exception):
    """The file is refused; the message says why, in the user's language."""


@dataclass
class Inspection:
    kind: str
    content_type: str
    extension: str
    metadata: dict[str, Any] = field(default_factory=dict)


def safe_display_name(raw: str) -> str:
    """The name to show: no folders, no control or direction-override characters, not absurdly long.

    It is only ever displayed and escaped; storage uses a generated key.
    """
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    name = " ".join(name.split()).lstrip(".").strip()
    if not name:
        return _("unnamed file")
    if len(name) > _NAME_MAX:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 10 else ""
        name = stem[: _NAME_MAX - len(ext) - 1] + "…" + ext
    return name


def extension_of(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def _read_head(path: str, size: int = 65536) -> bytes:
    with open(path, "rb") as f:
        return f.read(size)


@functools.cache
def _marker_pattern(markers: tuple[bytes, ...]) -> re.Pattern[bytes]:
    # IGNORECASE on a bytes pattern folds ASCII letters only, exactly as bytes.lower() does.
    first = markers[0][:1]
    if all(m[:1] == first for m in markers) and not first.isalpha():
        # The same caseless first byte ("<", "/") outside the case-blind group lets the
        # regex engine skip ahead to it: twice as fast on a 30 MB recording.
        rest = b"|".join(re.escape(m[1:]) for m in markers)
        return re.compile(re.escape(first) + b"(?i:" + rest + b")")
    return re.compile(b"|".join(re.escape(m) for m in markers), re.IGNORECASE)


class MarkerScan:
    """Looks for markers in a stream, block by block as it arrives; a marker split across
    two blocks is found too. `found` is the first one seen, lowercased."""

    def __init__(self, markers: tuple[bytes, ...] = _SCRIPT_MARKERS) -> None:
        self.markers = markers
        self._pattern = _marker_pattern(markers)
        self._overlap = max(len(m) for m in markers) - 1
        self._tail = b""
        self.scanned = 0  # bytes fed so far
        self.found: bytes | None = None

    def feed(self, block: bytes) -> None:
        self.scanned += len(block)
        if self.found is not None:
            return
        # Across the seam first, then the block itself: no copy of the whole block.
        match = self._pattern.search(self._tail + block[: self._overlap]) or self._pattern.search(block)
        if match:
            self.found = match.group(0).lower()
        elif len(block) >= self._overlap:
            self._tail = block[len(block) - self._overlap :]
        else:
            self._tail = (self._tail + block)[-self._overlap :]


def _contains_markers(
    path: str, markers: tuple[bytes, ...], scanned: MarkerScan | None = None
) -> bytes | None:
    """The first marker in the file; `scanned` is the scan made while it arrived, used when
    it saw every byte of this file and looked for these markers (no second reading)."""
    if scanned is not None and scanned.markers == markers and scanned.scanned == os.path.getsize(path):
        return scanned.found
    scan = MarkerScan(markers)
    with open(path, "rb") as f:
        while scan.found is None and (chunk := f.read(_CHUNK)):
            scan.feed(chunk)
    return scan.found


def _jpeg_end(data: bytes) -> int | None:
    """Offset just past the JPEG's real end-of-image marker, walking its segments."""
    pos, n = 2, len(data)
    while pos + 2 <= n:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0xD9:
            return pos + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 2
            continue
        if pos + 4 > n:
            return None
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length
        if marker == 0xDA:
            # Entropy-coded data: a real marker is FF followed by neither 00 nor a restart.
            while pos + 1 < n:
                if data[pos] == 0xFF and data[pos + 1] != 0x00 and not 0xD0 <= data[pos + 1] <= 0xD7:
                    break
                pos += 1
    return None


def _png_end(data: bytes) -> int | None:
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunk_type = data[pos + 4 : pos + 8]
        pos += 12 + length
        if chunk_type == b"IEND":
            return pos
    return None


def _bmff_end(path: str, size: int) -> int | None:
    """ISO base media (HEIC, M4A): the top-level boxes must tile the whole file."""
    pos = 0
    with open(path, "rb") as f:
        while pos < size:
            f.seek(pos)
            header = f.read(16)
            if len(header) < 8:
                return None
            box_size = struct.unpack(">I", header[:4])[0]
            if box_size == 1:
                if len(header) < 16:
                    return None
                box_size = struct.unpack(">Q", header[8:16])[0]
            elif box_size == 0:
                return size  # the last box runs to the end of the file
            if box_size < 8:
                return None
            pos += box_size
    return pos


def _riff_end(head: bytes) -> int | None:
    if len(head) < 8:
        return None
    return 8 + struct.unpack("<I", head[4:8])[0]


def _check_trailing(path: str, file_type: FileType, size: int) -> None:
    """Refuse files with something else behind the real content (polyglots)."""
    end: int | None
    if file_type is _JPEG:
        with open(path, "rb") as f:
            data = f.read()
        end = _jpeg_end(data)
        if end is not None and end < size:
            rest = data[end:]
            # Phones append more JPEGs after the first (multi-picture, HDR gain maps).
            if rest.startswith(b"\xff\xd8\xff") or not rest.strip(b"\x00"):
                return
    elif file_type is _PNG:
        with open(path, "rb") as f:
            data = f.read()
        end = _png_end(data)
        if end is not None and end < size and not data[end:].strip(b"\x00"):
            return
    elif file_type in (_WEBP, _WAV):
        end = _riff_end(_read_head(path, 12))
        if end is not None and size - end in (0, 1):  # RIFF pads odd sizes with one byte
            return
    elif file_type in (_HEIC, _M4A):
        end = _bmff_end(path, size)
    else:
        return
    if end is None or end != size:
        raise EvidenceRejected(
            _("This file has extra data hidden behind its content, so it cannot be accepted.")
        )


def _run_contained(job: str, *args: str) -> dict[str, Any]:
    try:
        return contained.run(
            job, *args, memory_mb=settings.EVIDENCE_DECODE_MEMORY_MB, seconds=settings.EVIDENCE_CHECK_SECONDS
        )
    except contained.ContainedError as e:
        if e.reason == "timeout":
            raise EvidenceRejected(
                _("This file took too long to check, so it cannot be accepted. It may be damaged.")
            ) from e
        return {"error": "damaged"}


def _inspect_image(path: str, file_type: FileType) -> dict[str, Any]:
    if file_type is _HEIC and not HEIF_SUPPORTED:
        raise EvidenceRejected(_("HEIC photos cannot be read here yet. Please send the photo as JPEG."))
    answer = _run_contained("image_check", path, str(settings.EVIDENCE_MAX_IMAGE_PIXELS))
    error = answer.get("error")
    if error == "too_large":
        raise EvidenceRejected(
            _("This image is too large (%(w)d × %(h)d pixels).")
            % {"w": answer["width"], "h": answer["height"]}
        )
    if error == "memory":
        raise EvidenceRejected(
            _("This image needs too much memory to open. Please send a smaller copy or a screenshot of it.")
        )
    if error:
        raise EvidenceRejected(_("This image is damaged or incomplete and cannot be opened."))
    return {"width": answer["width"], "height": answer["height"]}


def ffmpeg_path() -> str | None:
    return shutil.which("ffmpeg")


# AMR storage format (RFC 4867, section 5): the magic line, then frames of one header byte
# (frame type in bits 6-3) and a payload whose size the frame type fixes. The last type
# below each list's length is the comfort-noise frame (SID) of the codec's silence
# compression (DTX); 15 is NO_DATA, and for AMR-WB 14 is a lost frame, both empty.
_AMR_NB_SIZES = (12, 13, 15, 17, 19, 20, 26, 31, 5)
_AMR_WB_SIZES = (17, 23, 32, 36, 40, 46, 50, 58, 60, 5)
_AMR_FRAME_SECONDS = 0.02


def _amr_frames(path: str) -> tuple[int, int] | None:
    """(frames, speech frames) of an AMR file, or None if it is not a chain of AMR frames.

    A recorder stopped mid-frame leaves part of a frame at the end; it is not counted.
    """
    with open(path, "rb") as f:
        head = f.read(9)
        if head.startswith(b"#!AMR-WB\n"):
            sizes, empty = _AMR_WB_SIZES, (14, 15)
            f.seek(9)
        elif head.startswith(b"#!AMR\n"):
            sizes, empty = _AMR_NB_SIZES, (15,)
            f.seek(6)
        else:
            return None
        speech_types = len(sizes) - 1
        frames = speech = 0
        buffer, pos = b"", 0
        while chunk := f.read(_CHUNK):
            buffer, pos = buffer[pos:] + chunk, 0
            end = len(buffer)
            while pos < end:
                frame_type = (buffer[pos] >> 3) & 0x0F
                if frame_type < len(sizes):
                    size = sizes[frame_type]
                elif frame_type in empty:
                    size = 0
                else:
                    return None  # reserved types: not AMR, or not from the start
                if pos + 1 + size > end:
                    break  # the frame goes on in the next chunk
                pos += 1 + size
                frames += 1
                speech += frame_type < speech_types
    return frames, speech


def _inspect_audio(path: str, file_type: FileType) -> dict[str, Any]:
    unreadable = _("This recording cannot be read. It may be damaged or not a recording at all.")
    if file_type is _AMR:
        # mutagen cannot read AMR. The frame chain is checked here; processing decodes it.
        counted = _amr_frames(path)
        if counted is None or counted[1] == 0:
            raise EvidenceRejected(unreadable)
        frames, speech = counted
        return {
            "duration": round(frames * _AMR_FRAME_SECONDS, 2),
            # Comfort noise and empty frames are silence the decoder does not produce.
            "speech_duration": round(speech * _AMR_FRAME_SECONDS, 2),
        }
    try:
        audio = mutagen.File(path)
    except Exception as e:  # mutagen raises many kinds of errors on hostile input
        raise EvidenceRejected(unreadable) from e
    # mutagen's objects are falsy when untagged, so compare with None.
    if audio is None or getattr(audio, "info", None) is None or not audio.info.length:
        raise EvidenceRejected(unreadable)
    return {"duration": round(float(audio.info.length), 2)}


def _inspect_pdf(path: str) -> dict[str, Any]:
    """Decided from the parsed document, never from raw bytes: names are compared once
    decoded (/J#61vaScript), objects in compressed object streams are read too, and the
    random bytes of a scanned page cannot look like a script by chance."""
    answer = _run_contained(
        "pdf_check", path, str(settings.EVIDENCE_PDF_MAX_OBJECTS), str(settings.EVIDENCE_CHECK_SECONDS - 2)
    )
    error = answer.get("error")
    if error == "active":
        raise EvidenceRejected(_("This PDF contains scripts or embedded files, so it cannot be accepted."))
    if error == "no_pages":
        raise EvidenceRejected(_("This PDF has no pages."))
    if error == "too_complex":
        raise EvidenceRejected(
            _("This PDF is too complex to check, so it cannot be accepted. Please send a simpler copy.")
        )
    if error:
        raise EvidenceRejected(_("This PDF is damaged and cannot be opened."))
    return {"pages": answer["pages"]}


def detect_text_encoding(data: bytes) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def _inspect_text(path: str) -> dict[str, Any]:
    with open(path, "rb") as f:
        data = f.read()
    encoding = detect_text_encoding(data)
    if encoding is None:
        raise EvidenceRejected(
            _("This text file's characters cannot be read. Save it as UTF-8 and try again.")
        )
    text = data.decode(encoding)
    if "\x00" in text:
        raise EvidenceRejected(_("This is not a plain-text file."))
    return {"encoding": encoding, "lines": text.count("\n") + (0 if text.endswith("\n") else 1)}


# How much of a file libmagic reads, from its start and again from its end. Its default
# since 5.41 is 7 MiB each way, which `make bench` measured as 14 MB of server memory per
# upload; 1 MiB was its own default before, and every type we accept declares itself in
# its first bytes (the marker scan reads the whole file regardless).
SNIFF_BYTES = 1024 * 1024
_sniffers = threading.local()


def _sniffer() -> magic.Magic:
    # One per thread: a libmagic handle must not be shared between threads, and opening
    # one loads its database (milliseconds), too slow to do per upload.
    found = getattr(_sniffers, "magic", None)
    if found is None:
        found = magic.Magic(mime=True)
        found.setparam(magic.MAGIC_PARAM_BYTES_MAX, SNIFF_BYTES)
        _sniffers.magic = found
    return found


def inspect_file(path: str, name: str, size: int, *, scanned: MarkerScan | None = None) -> Inspection:
    """What the file at `path` is; raises EvidenceRejected if we do not keep such files.

    `scanned`: the upload handler's scan for script markers, made as the bytes arrived.
    """
    if size == 0:
        raise EvidenceRejected(_("This file is empty."))
    sniffed = _sniffer().from_file(path)
    if sniffed in ("text/html", "image/svg+xml", "text/xml", "application/xml") or sniffed.startswith(
        "text/x-"
    ):
        raise EvidenceRejected(_("Web pages, SVG images and scripts are not accepted as evidence."))
    file_type = SNIFFED_TYPES.get(sniffed)
    if file_type is None and sniffed.startswith("text/"):
        file_type = _TEXT
    if file_type is None:
        raise EvidenceRejected(
            _(
                "This type of file is not accepted. Accepted: photos and screenshots (JPG, PNG, WebP, "
                "HEIC), recordings (MP3, M4A, AMR, WAV, OGG), PDF and plain-text chat exports."
            )
        )
    extension = extension_of(name)
    if extension not in file_type.extensions:
        raise EvidenceRejected(
            _(
                "The file name ends in “%(ext)s” but the file is a %(type)s. "
                "Please upload it with its real name."
            )
            % {"ext": extension or _("(no extension)"), "type": file_type.content_type}
        )
    limit = settings.EVIDENCE_MAX_BYTES[file_type.kind]
    if size > limit:
        raise EvidenceRejected(
            _("This file is %(size)s; the limit for this kind of file is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    if file_type.kind == Kind.IMAGE:
        metadata = _inspect_image(path, file_type)
    elif file_type.kind == Kind.RECORDING:
        metadata = _inspect_audio(path, file_type)
    elif file_type.kind == Kind.DOCUMENT:
        metadata = _inspect_pdf(path)
    else:
        metadata = _inspect_text(path)
    _check_trailing(path, file_type, size)
    if file_type.kind in (Kind.IMAGE, Kind.RECORDING) and _contains_markers(path, _SCRIPT_MARKERS, scanned):
        raise EvidenceRejected(_("This file contains hidden web code, so it cannot be accepted."))
    return Inspection(
        kind=file_type.kind, content_type=file_type.content_type, extension=extension, metadata=metadata
    )
