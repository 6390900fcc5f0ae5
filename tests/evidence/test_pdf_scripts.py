"""PDFs are judged from the parsed document: every object, names decoded, object streams read."""

from __future__ import annotations

import random
import zlib

import pytest
from django.test import override_settings

from evidence.models import Evidence
from tests.evidence import files
from tests.evidence.conftest import post_files

pytestmark = pytest.mark.django_db

SCRIPTS = "这个PDF含有脚本或嵌入的文件，因此无法接受。"
DAMAGED = "这个PDF已损坏，无法打开。"

ACTION = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"

HOSTILE = [
    ("written plainly", files.one_page_pdf(catalog=b"/OpenAction " + ACTION)),
    (
        "names hex-escaped",
        files.one_page_pdf(catalog=b"/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"),
    ),
    ("/JS then a line break", files.one_page_pdf(catalog=b"/OpenAction << /JS\n(app.alert\\(1\\)) >>")),
    ("/JS then a tab", files.one_page_pdf(catalog=b"/OpenAction << /JS\t(app.alert\\(1\\)) >>")),
    (
        "open action in a compressed object stream",
        files.one_page_pdf(catalog=b"/OpenAction 4 0 R", extra={4: ACTION}, compressed=(4,)),
    ),
    (
        "catalog itself in the object stream, script as a stream",
        files.one_page_pdf(
            catalog=b"/Names << /JavaScript 4 0 R >>",
            extra={4: b"<< /Names [(a) << /S /JavaScript /JS 5 0 R >>] >>", 5: b"[(app.alert\\(1\\))]"},
            compressed=(1, 4, 5),
        ),
    ),
    (
        "launch on opening",
        files.one_page_pdf(
            catalog=b"/OpenAction 4 0 R", extra={4: b"<< /S /Launch /F (calc.exe) >>"}, compressed=(4,)
        ),
    ),
    (
        "page's additional action",
        files.one_page_pdf(page=b"/AA << /O 4 0 R >>", extra={4: ACTION}, compressed=(4,)),
    ),
    (
        "embedded file",
        files.one_page_pdf(
            catalog=b"/Names << /EmbeddedFiles << /Names [(a.exe) 4 0 R] >> >>",
            extra={4: b"<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>", 5: b"<< /Length 0 >>"},
            compressed=(4,),
        ),
    ),
    ("xfa form", files.one_page_pdf(catalog=b"/AcroForm << /Fields [] /XFA 4 0 R >>", extra={4: b"[]"})),
    (
        "rich media annotation",
        files.one_page_pdf(page=b"/Annots [4 0 R]", extra={4: b"<< /Type /Annot /Subtype /RichMedia >>"}),
    ),
]


@pytest.mark.parametrize("data", [h[1] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_it_refuses_a_pdf_that_runs_or_carries_something(client, borrower, complaint, data):
    client.force_login(borrower)

    response = post_files(client, complaint, ("letter.pdf", data))

    assert response.status_code == 400
    assert response.json()["files"][0]["error"] == SCRIPTS
    assert not Evidence.objects.exists()


def _scan_with_noise(size: int, seed: int) -> bytes:
    """A page whose picture is `size` bytes of noise, as a compressed scan looks, with the
    byte strings that the old search of raw bytes refused placed in it, as enough megabytes
    of noise hold by chance (once in about 256 MiB)."""
    noise = bytearray(random.Random(seed).randbytes(size))
    for i, marker in enumerate(
        (b"/JS(", b"/js ", b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"/RichMedia")
    ):
        at = (i + 1) * size // 8
        noise[at : at + len(marker)] = marker
    image = b"<< /Type /XObject /Subtype /Image /Width 1000 /Height 1000 /ColorSpace /DeviceGray "
    image += (
        b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % size
        + bytes(noise)
        + b"\nendstream"
    )
    return files.one_page_pdf(
        page=b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R",
        extra={4: image, 5: b"<< /Length 9 >>\nstream\n/Im0 Do Q\nendstream"},
    )


def test_it_accepts_a_large_scan_whose_noise_holds_the_old_markers(client, borrower, complaint):
    data = _scan_with_noise(4 * 1024 * 1024, seed=11)
    assert b"/JavaScript" in data and b"/js " in data  # the raw search refused this
    client.force_login(borrower)

    response = post_files(client, complaint, ("scan.pdf", data))

    assert response.status_code == 200, response.json()
    evidence = Evidence.objects.get()
    assert evidence.metadata["pages"] == 1


def test_it_accepts_a_pdf_that_only_talks_about_javascript(client, borrower, complaint):
    text = b"BT /F1 12 Tf 10 100 Td (/JavaScript /Launch /JS \\(x\\)) Tj ET"
    data = files.one_page_pdf(
        page=b"/Contents 4 0 R /Annots [5 0 R]",
        extra={
            4: b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
            # A link to a web page is an action, and a harmless one.
            5: b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /URI /URI (https://example.org/js) >> >>",
        },
        compressed=(5,),
    )
    client.force_login(borrower)

    response = post_files(client, complaint, ("letter.pdf", data))

    assert response.status_code == 200, response.json()


def test_it_refuses_a_pdf_it_cannot_parse_as_damaged(client, borrower, complaint):
    data = b"%PDF-1.7\n" + zlib.compress(random.Random(3).randbytes(20000))
    client.force_login(borrower)

    response = post_files(client, complaint, ("letter.pdf", data))

    assert response.status_code == 400
    assert response.json()["files"][0]["error"] == DAMAGED


@override_settings(EVIDENCE_PDF_MAX_OBJECTS=50)
def test_the_walk_stops_at_its_object_limit(client, borrower, complaint):
    extra = {n: b"<< /Next %d 0 R >>" % (n + 1) for n in range(4, 200)}
    extra[200] = b"<< >>"
    data = files.one_page_pdf(catalog=b"/Chain 4 0 R", extra=extra, compressed=tuple(range(4, 201)))
    client.force_login(borrower)

    response = post_files(client, complaint, ("letter.pdf", data))

    assert response.status_code == 400
    assert "太复杂" in response.json()["files"][0]["error"]
