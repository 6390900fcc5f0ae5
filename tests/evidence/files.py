"""Real files of every kind, made on the fly: the tests never trust a mock of a decoder."""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import tempfile
import zipfile

from PIL import ExifTags, Image, ImageDraw

GPS_LATITUDE = ((22, 1), (32, 1), (0, 1))


def jpeg(size=(640, 480), *, gps: bool = False, comment: bytes | None = None) -> bytes:
    im = Image.new("RGB", size, (200, 30, 30))
    ImageDraw.Draw(im).rectangle((10, 10, 200, 100), fill=(255, 255, 255))
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    if gps:
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps_ifd[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps_ifd[ExifTags.GPS.GPSLatitude] = (22.0, 32.0, 0.0)
        gps_ifd[ExifTags.GPS.GPSLongitudeRef] = "E"
        gps_ifd[ExifTags.GPS.GPSLongitude] = (113.0, 56.0, 0.0)
    im.save(buffer, "JPEG", exif=exif, quality=90)
    data = buffer.getvalue()
    if comment is not None:
        # A COM segment right after SOI: legal JPEG, with whatever payload inside.
        segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
        data = data[:2] + segment + data[2:]
    return data


def png(size=(320, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 255, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def webp() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (10, 200, 10)).save(buffer, "WEBP")
    return buffer.getvalue()


def heic() -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 200)).save(buffer, "HEIF")
    return buffer.getvalue()


def pdf() -> bytes:
    buffer = io.BytesIO()
    pages = [Image.new("RGB", (200, 280), "white") for _ in range(2)]
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:])
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims enormous dimensions (a decompression bomb)."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def gif_with_php() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (10, 10)).save(buffer, "GIF")
    return buffer.getvalue() + b"<?php system($_GET['c']); ?>"


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("a.txt", "hello")
    return buffer.getvalue()


def elf() -> bytes:
    with open(shutil.which("true") or "/bin/true", "rb") as f:
        return f.read()


def amr(seconds: int = 2) -> bytes:
    """AMR-NB 12.2 kbit/s frames with valid headers: decodes as (noisy) speech."""
    frames = b"".join(bytes([0x3C]) + os.urandom(31) for _ in range(50 * seconds))
    return b"#!AMR\n" + frames


def audio(fmt: str, seconds: float = 1.0) -> bytes:
    """A sine tone encoded by ffmpeg in the given container (wav, mp3, m4a, ogg, opus)."""
    codec = {
        "wav": [],
        "mp3": ["-c:a", "libmp3lame"],
        "m4a": ["-c:a", "aac"],
        "ogg": ["-c:a", "libvorbis"],
        "opus": ["-c:a", "libopus"],
    }[fmt]
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, f"tone.{fmt}")
        subprocess.run(  # noqa: S603
            [
                shutil.which("ffmpeg") or "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=440:duration={seconds}",
                *codec,
                "-metadata",
                "title=secret",
                out,
            ],
            check=True,
            capture_output=True,
        )
        with open(out, "rb") as f:
            return f.read()


def pdf_of(objects: dict[int, bytes], *, compressed: tuple[int, ...] = ()) -> bytes:
    """A PDF written by hand from object bodies (1 must be the catalog).

    Objects numbered in `compressed` go into a Flate-compressed object stream, indexed
    by a cross-reference stream, as PDF 1.5 writers do: their bytes appear nowhere in
    the file as written.
    """
    import zlib

    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    size = max(objects) + 3
    for number in sorted(set(objects) - set(compressed)):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    if not compressed:
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (max(objects) + 1)
        for number in range(1, max(objects) + 1):
            out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (max(objects) + 1, xref)
        return bytes(out)
    stream_number, xref_number = max(objects) + 1, max(objects) + 2
    bodies, header = b"", b""
    for number in compressed:
        header += b"%d %d " % (number, len(bodies))
        bodies += objects[number] + b"\n"
    packed = zlib.compress(header + bodies)
    offsets[stream_number] = len(out)
    out += b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        stream_number,
        len(compressed),
        len(header),
        len(packed),
    )
    out += packed + b"\nendstream\nendobj\n"
    offsets[xref_number] = len(out)
    rows = b""
    for number in range(size):
        if number in offsets:
            rows += struct.pack(">BIH", 1, offsets[number], 0)
        elif number in compressed:
            rows += struct.pack(">BIH", 2, stream_number, compressed.index(number))
        else:
            rows += struct.pack(">BIH", 0, 0, 65535)
    out += b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % (
        xref_number,
        size,
        len(rows),
    )
    out += rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[xref_number]
    return bytes(out)


def one_page_pdf(
    *, catalog: bytes = b"", page: bytes = b"", extra: dict[int, bytes] | None = None, compressed=()
):
    """One blank page; `catalog` and `page` are added to those dictionaries, `extra` are
    more objects from number 4 on."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] " + page + b" >>",
        **(extra or {}),
    }
    return pdf_of(objects, compressed=compressed)


def amr_with_silence(*, talk_frames: int = 25, rounds: int = 10, seed: int = 5) -> bytes:
    """AMR-NB as the 3GPP reference encoder writes it with DTX on: runs of speech frames,
    and between them the silence as comfort-noise (SID) frames and empty NO_DATA frames."""
    import random

    rng = random.Random(seed)
    frames = []
    for _ in range(rounds):
        frames += [bytes([(7 << 3) | 0x04]) + rng.randbytes(31) for _ in range(talk_frames)]
        for _ in range(2):
            frames.append(bytes([(8 << 3) | 0x04]) + rng.randbytes(5))  # SID
            frames += [bytes([(15 << 3) | 0x04])] * 7  # NO_DATA
    return b"#!AMR\n" + b"".join(frames)


def png_rgba_of_size(width: int, height: int) -> bytes:
    """A real, whole RGBA PNG of the given size, written row by row without ever holding
    its pixels: 60 million of them compress to about 240 KB."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer = zlib.compressobj(9)
    row = b"\x00" + b"\x00\x80\xff\xff" * width
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
