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


# A thumbnail's greatest height for its width: portrait 4:5, the shape of a card on a phone.
THUMB_TALLEST = 1.25


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
    # A tall screenshot shrunk whole is a sliver, and cropped in its middle a blank card:
    # keep its top (where a chat shows who wrote), at most THUMB_TALLEST times as tall as
    # wide, then shrink, keeping the proportions, to `thumb_max` wide at most.
    thumb = display.copy()
    tallest = max(1, round(thumb.width * THUMB_TALLEST))
    if thumb.height > tallest:
        thumb = thumb.crop((0, 0, thumb.width, tallest))
    thumb.thumbnail((thumb_max, max(1, round(thumb_max * THUMB_TALLEST))))
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


# Reading screenshots ---------------------------------------------------------------------

# Text smaller than this many pixels wide per screen point reads badly: a 1x screenshot
# (360 px wide) loses the colon of "21:43". Narrow pictures are enlarged before reading.
_OCR_MIN_WIDTH = 1000
# A photo of a screen from a 50-megapixel camera is read at this size: more pixels only
# cost time, the text is already many pixels high.
_OCR_MAX_SIDE = 3000


def _upright(im: Any) -> Any:
    """The picture as the phone showed it (EXIF orientation applied), in RGB."""
    from PIL import Image

    orientation = im.getexif().get(0x0112)
    method = _ORIENTATION.get(orientation) if isinstance(orientation, int) else None
    im = im.convert("RGB") if im.mode != "RGB" else im
    if method:
        im = im.transpose(getattr(Image.Transpose, method))
    return im


def _photo_date(im: Any) -> str | None:
    """The day the picture was taken, when the camera or the phone wrote it down."""
    exif = im.getexif()
    raw = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)  # DateTimeOriginal, DateTime
    if isinstance(raw, str) and len(raw) >= 10 and raw[4] == ":" and raw[7] == ":":
        return raw[:10].replace(":", "-")
    return None


def _hocr_lines(hocr: str, scale: float) -> list[dict[str, Any]]:
    """Lines of text with a box for every character, in the original picture's pixels.

    Tesseract's hOCR with character boxes; words are joined without a space unless both
    sides are Latin letters or digits (Chinese has no spaces, and a phone number printed
    as "139 1234 5678" keeps its own)."""
    import re
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/1999/xhtml}"
    # Tesseract names an external DTD, which ElementTree never fetches.
    root = ET.fromstring(hocr.encode("utf-8"))  # noqa: S314 - our own tool's output
    bbox = re.compile(r"(?:bbox|x_bboxes) (-?\d+) (-?\d+) (-?\d+) (-?\d+)")

    def box_of(element: Any) -> list[int] | None:
        match = bbox.search(element.get("title", ""))
        if not match:
            return None
        return [round(int(v) / scale) for v in match.groups()]

    lines = []
    for line in root.iter(f"{ns}span"):
        if line.get("class") not in ("ocr_line", "ocr_textfloat", "ocr_header", "ocr_caption"):
            continue
        text, chars = "", []
        for word in line.iter(f"{ns}span"):
            if word.get("class") != "ocrx_word":
                continue
            glyphs = [
                (c.text or "", box_of(c)) for c in word.iter(f"{ns}span") if c.get("class") == "ocrx_cinfo"
            ]
            glyphs = [(t, b) for t, b in glyphs if t.strip() and b]
            if not glyphs:
                continue
            if (
                text
                and text[-1].isascii()
                and text[-1].isalnum()
                and glyphs[0][0][0].isascii()
                and glyphs[0][0][0].isalnum()
            ):
                text += " "
                chars.append(None)
            for glyph, box in glyphs:
                for ch in glyph:
                    text += ch
                    chars.append(box)
        if text.strip():
            lines.append({"text": text, "box": box_of(line), "chars": chars})
    return lines


def _flatten_background(grey: Any) -> Any:
    """Dark text on white, whatever it sat on: bubbles, bars and avatars become paper.

    The background is what is left when everything thinner than a stroke-sized window is
    closed over (dilate, then erode, at a quarter of the size for speed); the text is
    how much darker than it each pixel is. A solid avatar beside a bubble otherwise
    joins the bubble's first line, and Tesseract reads that line as Latin garbage."""
    from PIL import Image, ImageChops, ImageFilter, ImageOps

    small = grey.reduce(4)
    background = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.MinFilter(5))
    background = background.resize(grey.size, Image.Resampling.BILINEAR)
    text = ImageOps.invert(ImageChops.subtract(background, grey))
    # Grey time stamps on a grey page come out faint: darken the middle tones.
    return text.point([round(255 * (v / 255) ** 2) for v in range(256)])


def _garbage(lines: list[dict[str, Any]]) -> int:
    """Latin letters in lines that are mostly Latin letters: a Chinese screen misread."""
    count = 0
    for line in lines:
        text = line["text"]
        letters = sum(1 for ch in text if ch.isascii() and ch.isalpha())
        if letters >= 4 and letters > sum(1 for ch in text if not ch.isascii()):
            count += letters
    return count


def _ocr(path: str, max_pixels: str, work: str, seconds: str) -> dict[str, Any]:
    """Simplified Chinese and English text of a screenshot, with character boxes.

    The picture is made upright, grey, enlarged when narrow and made dark-on-light when
    it is a dark-mode screen; Tesseract runs as a child of this process, so the memory
    limit holds for it too, and with one thread."""
    import shutil
    import subprocess

    from PIL import ImageOps, ImageStat

    tesseract = shutil.which("tesseract")
    if tesseract is None:
        return {"error": "unavailable"}
    im = _open_image(path, int(max_pixels))
    if isinstance(im, dict):
        return im
    with im:
        photo_date = _photo_date(im)
        im.load()
        upright = _upright(im)
    width, height = upright.size
    grey = upright.convert("L")
    del upright
    scale = 1.0
    if width < _OCR_MIN_WIDTH:
        scale = min(3.0, _OCR_MIN_WIDTH / width)
    elif max(width, height) > _OCR_MAX_SIDE:
        scale = _OCR_MAX_SIDE / max(width, height)
    if scale != 1.0:
        from PIL import Image

        grey = grey.resize(
            (max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.LANCZOS
        )
    if ImageStat.Stat(grey).mean[0] < 110:
        grey = ImageOps.invert(grey)
    grey = _flatten_background(grey)
    source = os.path.join(work, "ocr-input.png")
    grey.save(source)
    del grey

    def read(layout: str) -> list[dict[str, Any]] | dict[str, Any]:
        result = subprocess.run(  # noqa: S603 - a fixed program on our own file
            [
                tesseract,
                source,
                "stdout",
                "-l",
                "chi_sim+eng",
                "--psm",
                layout,
                "-c",
                "hocr_char_boxes=1",
                "hocr",
            ],
            capture_output=True,
            timeout=float(seconds) / 2,
            check=False,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
        if result.returncode != 0:
            return {"error": "ocr_failed", "detail": result.stderr.decode(errors="replace")[-300:]}
        return _hocr_lines(result.stdout.decode("utf-8", errors="replace"), scale)

    # Automatic layout first; when a line came back as Latin garbage (Tesseract took a
    # Chinese line for English), the page is read again as one block of text, and the
    # reading with less garbage is kept.
    lines = read("3")
    if isinstance(lines, dict):
        return lines
    if _garbage(lines):
        again = read("6")
        if not isinstance(again, dict) and _garbage(again) < _garbage(lines):
            lines = again
    return {"width": width, "height": height, "lines": lines, "photo_date": photo_date}


def _redact(path: str, max_pixels: str, boxes_path: str, out: str) -> dict[str, Any]:
    """A copy of the picture, upright, with an opaque box over each rectangle in
    `boxes_path` (JSON): flattened into one layer of RGB pixels and saved as a PNG with no
    metadata, so nothing under a box survives in the file."""
    from PIL import Image, ImageDraw

    with open(boxes_path, encoding="utf-8") as f:
        boxes = json.load(f)
    im = _open_image(path, int(max_pixels))
    if isinstance(im, dict):
        return im
    with im:
        im.load()
        upright = _upright(im)
    flat = Image.new("RGB", upright.size, (0, 0, 0))
    flat.paste(upright)
    del upright
    draw = ImageDraw.Draw(flat)
    for x0, y0, x1, y1 in boxes:
        draw.rectangle((x0, y0, x1, y1), fill=(0, 0, 0))
    flat.info = {}
    target = os.path.join(out, "redacted.png")
    flat.save(target, format="PNG", optimize=False)
    return {"file": "redacted.png", "width": flat.width, "height": flat.height}


_JOBS = {
    "image_check": _image_check,
    "image_derive": _image_derive,
    "pdf_check": _pdf_check,
    "ocr": _ocr,
    "redact": _redact,
}


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
