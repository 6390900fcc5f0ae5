"""What is accepted is decided by the bytes: every accepted format and every refusal, with real files."""

from __future__ import annotations

import hashlib
import random

import pytest
from django.test import override_settings

from evidence.models import Evidence
from tests.evidence import files
from tests.evidence.conftest import post_files

pytestmark = pytest.mark.django_db

CHAT_GB18030 = "2026-11-20 21:03 催收员: 再不还钱就打给你全家\n2026-11-20 21:05 我: 请停止骚扰\n".encode(
    "gb18030"
)
CHAT_UTF16 = "2026-11-21 催收员: 明天去你单位\n".encode("utf-16")

ACCEPTED = [
    ("photo.jpg", lambda: files.jpeg(), "image", "image/jpeg"),
    ("screenshot.PNG", lambda: files.png(), "image", "image/png"),
    ("picture.webp", lambda: files.webp(), "image", "image/webp"),
    ("iphone.heic", lambda: files.heic(), "image", "image/heic"),
    ("call.mp3", lambda: files.audio("mp3"), "recording", "audio/mpeg"),
    ("call.m4a", lambda: files.audio("m4a"), "recording", "audio/mp4"),
    ("call.amr", lambda: files.amr(), "recording", "audio/amr"),
    ("call.wav", lambda: files.audio("wav"), "recording", "audio/wav"),
    ("call.ogg", lambda: files.audio("ogg"), "recording", "audio/ogg"),
    ("voice.opus", lambda: files.audio("opus"), "recording", "audio/ogg"),
    ("letter.pdf", lambda: files.pdf(), "document", "application/pdf"),
    ("chat.txt", lambda: CHAT_GB18030, "chat", "text/plain"),
    ("chat-utf16.txt", lambda: CHAT_UTF16, "chat", "text/plain"),
]

HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

REFUSED = [
    ("html renamed png", "evidence.png", lambda: HTML),
    ("svg with a script", "drawing.svg", lambda: SVG),
    ("svg renamed png", "drawing.png", lambda: SVG),
    ("gif with php behind its header", "anim.gif", files.gif_with_php),
    ("gif with php, renamed jpg", "anim.jpg", files.gif_with_php),
    ("jpeg with php in a comment", "photo.jpg", lambda: files.jpeg(comment=b"<?php system($_GET['c']); ?>")),
    ("png declaring 50000x50000", "bomb.png", lambda: files.png_declaring(50000, 50000)),
    ("truncated jpeg", "cut.jpg", lambda: files.jpeg()[:3000]),
    ("zero-byte mp3", "empty.mp3", lambda: b""),
    ("executable renamed mp3", "song.mp3", files.elf),
    ("zip renamed m4a", "call.m4a", files.zip_bytes),
    ("fake amr", "call.amr", lambda: b"#!AMR\n" + random.Random(1).randbytes(2000)),
    ("png with html appended", "shot.png", lambda: files.png() + HTML),
    ("jpeg with a zip appended", "photo.jpg", lambda: files.jpeg() + files.zip_bytes()),
    ("mp3 named png", "shot.png", lambda: files.audio("mp3")),
    ("jpeg named php", "x.jpg.php", lambda: files.jpeg()),
    ("shell script as txt", "notes.txt", lambda: b"#!/bin/sh\nrm -rf /\n"),
    ("html as txt", "chat.txt", lambda: HTML),
    # Past the part libmagic reads (validation.SNIFF_BYTES): the marker scan reads it all.
    ("png with html 2 MiB in", "shot.png", lambda: files.png() + bytes(2 * 1024 * 1024) + HTML),
    (
        "wav with php 2.5 MB in",
        "call.wav",
        lambda: files.audio("wav", seconds=30) + b"<?php system($_GET['c']); ?>",
    ),
    (
        "pdf with javascript",
        "letter.pdf",
        lambda: files.pdf().replace(b"%%EOF", b"<< /S /JavaScript /JS (app.alert(1)) >>\n%%EOF"),
    ),
]


@pytest.mark.parametrize(("name", "make", "kind", "content_type"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_it_accepts_each_supported_format(
    client, borrower, complaint, ffmpeg, name, make, kind, content_type
):
    data = make()
    client.force_login(borrower)

    response = post_files(client, complaint, (name, data))

    assert response.status_code == 200, response.json()
    verdict = response.json()["files"][0]
    assert verdict["accepted"] is True
    assert verdict["error"] is None
    assert verdict["sha256"] == hashlib.sha256(data).hexdigest()
    evidence = Evidence.objects.get(public_id=verdict["id"])
    assert (evidence.kind, evidence.content_type, evidence.size) == (kind, content_type, len(data))
    with evidence.file.open("rb") as f:
        assert f.read() == data  # kept byte for byte


@pytest.mark.parametrize(("case", "name", "make"), REFUSED, ids=[r[0] for r in REFUSED])
def test_it_refuses_hostile_or_broken_files(client, borrower, complaint, ffmpeg, case, name, make):
    client.force_login(borrower)

    response = post_files(client, complaint, (name, make()))

    assert response.status_code == 400
    verdict = response.json()["files"][0]
    assert verdict["accepted"] is False
    assert verdict["id"] is None
    # A clear reason, in the user's language (Chinese by default).
    assert any("\u4e00" <= ch <= "\u9fff" for ch in verdict["error"]), verdict["error"]
    assert not Evidence.objects.exists()


def test_one_refused_file_never_drops_the_others(client, borrower, complaint):
    client.force_login(borrower)

    response = post_files(
        client, complaint, ("a.png", files.png()), ("evil.png", HTML), ("b.jpg", files.jpeg())
    )

    assert response.status_code == 200
    verdicts = response.json()["files"]
    assert [(v["name"], v["accepted"]) for v in verdicts] == [
        ("a.png", True),
        ("evil.png", False),
        ("b.jpg", True),
    ]
    assert Evidence.objects.count() == 2


def test_names_are_made_safe_and_never_reach_the_file_system(client, borrower, complaint):
    client.force_login(borrower)
    names = [
        "../../etc/passwd.png",
        "..\\..\\win.png",
        "evil\u202egnp.exe.png",
        "长" * 300 + ".png",
        "a\x00b\x07.png",
    ]

    response = post_files(client, complaint, *[(n, files.png()) for n in names])

    assert response.status_code == 200
    stored = list(Evidence.objects.order_by("pk"))
    assert [e.original_name for e in stored[:2]] == ["passwd.png", "win.png"]
    assert "\u202e" not in stored[2].original_name
    assert len(stored[3].original_name) <= 120
    assert stored[3].original_name.endswith(".png")
    assert stored[4].original_name == "ab.png"
    for evidence in stored:
        assert ".." not in evidence.file.name
        assert "passwd" not in evidence.file.name
        assert evidence.file.name.endswith("/original.png")


@override_settings(
    EVIDENCE_MAX_BYTES={"image": 2000, "recording": 100_000, "document": 10_000, "chat": 10_000}
)
def test_a_file_over_its_kind_limit_is_refused(client, borrower, complaint):
    client.force_login(borrower)

    response = post_files(
        client, complaint, ("big.jpg", files.jpeg(size=(800, 600))), ("small.png", files.png((8, 8)))
    )

    verdicts = response.json()["files"]
    assert verdicts[0]["accepted"] is False
    assert "上限" in verdicts[0]["error"]
    assert verdicts[1]["accepted"] is True


@override_settings(EVIDENCE_MAX_BYTES={"image": 1000, "recording": 1000, "document": 1000, "chat": 1000})
def test_the_stream_stops_storing_a_file_past_the_largest_limit(client, borrower, complaint):
    client.force_login(borrower)

    response = post_files(client, complaint, ("huge.png", files.png((1000, 1000))))

    assert response.status_code == 400
    assert Evidence.objects.count() == 0


@override_settings(EVIDENCE_MAX_FILES_PER_COMPLAINT=2)
def test_the_per_complaint_quota_holds(client, borrower, complaint):
    client.force_login(borrower)

    response = post_files(
        client, complaint, ("1.png", files.png()), ("2.png", files.png()), ("3.png", files.png())
    )

    assert [v["accepted"] for v in response.json()["files"]] == [True, True, False]
    assert Evidence.objects.count() == 2


def test_without_javascript_the_form_posts_and_redirects_with_messages(client, borrower, complaint):
    client.force_login(borrower)

    response = post_files(client, complaint, ("a.png", files.png()), ("evil.png", HTML), json=False)

    assert response.status_code == 302
    assert response["Location"].endswith("#evidence")
    page = client.get(response["Location"]).content.decode()
    assert "evil.png" in page
    assert Evidence.objects.count() == 1


def test_no_files_is_a_400_with_an_empty_list(client, borrower, complaint):
    client.force_login(borrower)

    response = post_files(client, complaint)

    assert response.status_code == 400
    assert response.json() == {"files": []}
