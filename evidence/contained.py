"""Decoding hostile files in a child process with a ceiling on its memory and its time.

A 247 KB PNG can declare 60 million RGBA pixels, 240 MB once decoded; done in the web
worker or the Celery child, that memory stays with the process long after the request
(the allocator rarely gives it back). A PDF can make a parser walk for minutes. Here the
work runs in a fresh Python started for it: the kernel refuses it memory past its limit
(RLIMIT_DATA), the parent kills it past its time, and whatever it held is gone when it
exits. The parent reads one line of JSON from it.

This module must import nothing from Django: the child starts bare, so it starts fast and
cannot touch the database. The parent side is `run`; the child side is `main`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

_BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# -I: no user site, no PYTHON* variables; the project is put on the path by hand.
_BOOTSTRAP = "import sys; sys.path.insert(0, sys.argv[1]); from evidence.contained import main; main()"


class ContainedError(Exception):
    """The child did not answer: it ran out of time, or died."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "timeout" or "crashed"


def run(job: str, *args: str, memory_mb: int, seconds: float) -> dict[str, Any]:
    """Run `job` on `args` in a child limited to `memory_mb` of data and `seconds` of time.

    Returns the child's answer; an answer with "error" is the file's fault (damaged,
    too large, needs more memory than allowed). Raises ContainedError if it gave none.
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        # One malloc arena and one decoding thread: a decoder's threads would otherwise
        # each reserve their own arena, and the limit would measure reservations.
        "MALLOC_ARENA_MAX": "1",
        "OMP_NUM_THREADS": "1",
    }
    try:
        result = subprocess.run(  # noqa: S603 - our own interpreter and module; paths are ours
            [sys.executable, "-I", "-c", _BOOTSTRAP, _BASE_DIR, job, str(memory_mb), *args],
            capture_output=True,
            timeout=seconds,
            check=False,
            env=env,
        )
    except subprocess.TimeoutExpired as e:  # subprocess.run has killed it
        raise ContainedError("timeout") from e
    lines = result.stdout.strip().splitlines()
    if not lines:
        raise ContainedError("crashed")
    try:
        answer = json.loads(lines[-1])
    except ValueError as e:
        raise ContainedError("crashed") from e
    if not isinstance(answer, dict):
        raise ContainedError("crashed")
    return answer


# The child -----------------------------------------------------------------------------


def _limit_memory(memory_mb: int) -> None:
    import resource

    limit = memory_mb * 1024 * 1024
    for kind in ("RLIMIT_DATA", "RLIMIT_AS"):
        # RLIMIT_DATA counts what is really taken (heap and anonymous maps) on Linux;
        # elsewhere the address space is the closest there is.
        if hasattr(resource, kind):
            try:
                resource.setrlimit(getattr(resource, kind), (limit, limit))
            except (ValueError, OSError):
                continue
            return


def _open_image(path: str, max_pixels: int) -> Any:
    import warnings

    from PIL import Image

    with open(path, "rb") as f:
        is_bmff = f.read(12)[4:8] == b"ftyp"
    if is_bmff:  # HEIC; its decoder takes longer to load than a check of a photo takes
        try:
            import pillow_heif

            pillow_heif.register_heif_opener(thumbnails=False)
            pillow_heif.options.DECODE_THREADS = 1
        except ImportError:  # pragma: no cover - the wheel is in requirements
            pass
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    im = Image.open(path)
    width, height = im.size
    if width * height > max_pixels:
        im.close()
        return {"error": "too_large", "width": width, "height": height}
    return im


def _image_check(path: str, max_pixels: str) -> dict[str, Any]:
    """Parse the whole image; a header alone fools every sniffer. Decoded at an eighth of
    its size where the format allows (JPEG): every byte is still read and checked."""
    from PIL import Image

    im = _open_image(path, int(max_pixels))
    if isinstance(im, dict):
        return im
    with im:
        width, height = im.size
        im.verify()
    # verify() leaves the image unusable; a full decode needs a fresh open.
    with Image.open(path) as im:
        if im.format == "JPEG":
            im.draft(im.mode, (max(1, width // 8), max(1, height // 8)))
        im.load()
    return {"width": width, "height": height}


# EXIF orientation -> the transposition that makes the picture upright (EXIF 2.3, 0x0112).
_ORIENTATION = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE"}
_ORIENTATION |= {6: "ROTATE_270", 7: "TRANSVERSE", 8: "ROTATE_90"}


def _save(im: Any, out: str, name: str) -> tuple[str, str]:
    if im.mode == "RGBA":
        filename, fmt, content_type, options = name + ".png", "PNG", "image/png", {"optimize": True}
    else:
        filename, fmt, content_type = name + ".jpg", "JPEG", "image/jpeg"
        options = {"quality": 85, "optimize": True}
    im.save(os.path.join(out, filename), format=fmt, **options)
    return filename, content_type


def _shrink(im: Any, longest: int) -> Any:
    """A copy at most `longest` pixels on its longer side, in RGB, RGBA or L.

    Converting or resampling a whole RGBA picture makes full-size copies of it (Pillow
    premultiplies the alpha first): two more of 240 MB for 60 million pixels. Here a band
    of rows at a time is converted and box-averaged by a whole factor into a picture a
    few times larger than asked, and only that one is resampled to the final size.
    """
    from PIL import Image

    mode = im.mode if im.mode in ("RGB", "RGBA", "L") else ("RGBA" if "A" in im.getbands() else "RGB")
    width, height = im.size
    factor = max(1, max(width, height) // longest)
    if factor == 1:
        small = im.convert(mode) if im.mode != mode else im.copy()
    else:
        small = Image.new(mode, (-(-width // factor), -(-height // factor)))
        # Bands of about 8 MB, a whole number of reduction steps high.
        rows = factor * max(1, (8 * 1024 * 1024) // (width * 4 * factor))
        for top in range(0, height, rows):
            band = im.crop((0, top, width, min(height, top + rows)))
            if band.mode != mode:
                band = band.convert(mode)
            small.paste(band.reduce(factor), (0, top // factor))
    scale = longest / max(small.size)
    if scale < 1:
        size = (max(1, round(small.width * scale)), max(1, round(small.height * scale)))
        small = small.resize(size, Image.Resampling.LANCZOS)
    return small


def _image_derive(path: str, max_pixels: str, out: str, display_side: str, thumb_side: str) -> dict[str, Any]:
    """The display copy and the thumbnail: upright, and with no metadata (EXIF with GPS
    and device, XMP, comments stay behind). Only one full-size picture is ever in memory,
    and a JPEG is decoded at the smallest scale still larger than the display copy."""
    from PIL import Image

    display_max, thumb_max = int(display_side), int(thumb_side)
    im = _open_image(path, int(max_pixels))
    if isinstance(im, dict):
        return im
    with im:
        orientation = im.getexif().get(0x0112)
        width, height = im.size
        if im.format == "JPEG":
            im.draft("RGB", (min(width, display_max), min(height, display_max)))
        im.load()
        display = _shrink(im, display_max)
    method = _ORIENTATION.get(orientation) if isinstance(orientation, int) else None
    if method:
        display = display.transpose(getattr(Image.Transpose, method))
        if orientation >= 5:
            width, height = height, width
    display.info = {}
    display_name, display_type = _save(display, out, "display")
    thumb = display.copy()
    thumb.thumbnail((thumb_max, thumb_max))
    thumb_name, _thumb_type = _save(thumb, out, "thumbnail")
    return {
        "width": width,
        "height": height,
        "display": display_name,
        "display_type": display_type,
        "thumbnail": thumb_name,
    }


# Names that make a PDF run something, open something or carry another file, as keys and
# as values (/S /JavaScript, /Type /EmbeddedFile). Compared after pypdf has decoded them,
# so /J#61vaScript is /JavaScript. /OpenAction and /AA (actions on opening, on a page, on
# a field) are only a way in: the action dictionary they lead to is walked like the rest.
_PDF_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA", "/RichMediaContent"})
_PDF_ACTIVE_VALUES = frozenset({"/JavaScript", "/Launch", "/EmbeddedFile", "/RichMedia"})


def _pdf_check(path: str, max_objects: str, seconds: str) -> dict[str, Any]:
    """Every object of the document, those in object streams too, and everything reachable
    from the trailer; each dictionary and array inside them, to any depth."""
    import logging
    import struct
    import time

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    logging.disable(logging.WARNING)  # pypdf narrates every repair of a sloppy file
    deadline = time.monotonic() + float(seconds)
    limit = int(max_objects)
    try:
        reader = PdfReader(path, strict=False)
        pages = len(reader.pages)
        todo: list[Any] = [reader.trailer]
        for generation, table in reader.xref.items():
            todo.extend(IndirectObject(idnum, generation, reader) for idnum in table)
        todo.extend(IndirectObject(idnum, 0, reader) for idnum in reader.xref_objStm)
        seen: set[tuple[int, int]] = set()
        steps = 0
        while todo:
            obj = todo.pop()
            steps += 1
            if steps % 1000 == 0 and time.monotonic() > deadline:
                return {"error": "too_complex"}
            if isinstance(obj, IndirectObject):
                key = (obj.idnum, obj.generation)
                if key in seen:
                    continue
                seen.add(key)
                if len(seen) > limit:
                    return {"error": "too_complex"}
                obj = reader.get_object(obj)
            if isinstance(obj, DictionaryObject):  # streams too: their dictionary
                for name, value in obj.items():
                    if name in _PDF_ACTIVE_KEYS or (
                        isinstance(value, NameObject) and value in _PDF_ACTIVE_VALUES
                    ):
                        return {"error": "active"}
                    if isinstance(value, (DictionaryObject, ArrayObject, IndirectObject)):
                        todo.append(value)
            elif isinstance(obj, ArrayObject):
                for value in obj:
                    if isinstance(value, NameObject) and value in _PDF_ACTIVE_VALUES:
                        return {"error": "active"}
                    if isinstance(value, (DictionaryObject, ArrayObject, IndirectObject)):
                        todo.append(value)
    except (
        PdfReadError,
        OSError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        struct.error,
        RecursionError,
    ):
        return {"error": "damaged"}
    if pages < 1:
        return {"error": "no_pages"}
    return {"pages": pages}


_JOBS = {"image_check": _image_check, "image_derive": _image_derive, "pdf_check": _pdf_check}


def main() -> None:
    job, memory_mb, *args = sys.argv[2:]
    _limit_memory(int(memory_mb))
    try:
        answer = _JOBS[job](*args)
    except MemoryError:
        answer = {"error": "memory"}
    except Exception as e:  # noqa: BLE001 - a hostile file may break a decoder in any way
        answer = {"error": "damaged", "detail": f"{type(e).__name__}: {e}"[:300]}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
