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
