"""Evidence handed to others carries no location: the package for sharing holds copies
without metadata, each with its own SHA-256 and its original's; the originals come
byte for byte, behind a plain warning."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile

import pytest
from django.urls import reverse
from PIL import ExifTags, Image

from audit.models import Action, AuditEvent
from evidence import services
from evidence.models import Evidence
from tests.evidence import files
from tests.evidence.conftest import post_files

pytestmark = pytest.mark.django_db


def fetch(client, name, complaint) -> zipfile.ZipFile:
    response = client.get(reverse(name, args=[complaint.reference]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def manifest(archive: zipfile.ZipFile) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))


def upload(client, borrower, complaint, *sent: tuple[str, bytes]) -> list[Evidence]:
    client.force_login(borrower)
    response = post_files(client, complaint, *sent)
    return [Evidence.objects.get(public_id=f["id"]) for f in response.json()["files"]]


def test_it_shares_a_photo_without_its_gps_and_proves_the_link_to_the_original(client, borrower, complaint):
    original = files.jpeg(gps=True)
    [photo] = upload(client, borrower, complaint, ("street.jpg", original))
    services.evidence_process(evidence_id=photo.pk)

    archive = fetch(client, "evidence:package", complaint)

    [name] = [n for n in archive.namelist() if n.startswith("evidence/")]
    shared = archive.read(name)
    assert shared != original
    assert b"PhoneMaker" not in shared
    with Image.open(io.BytesIO(shared)) as im:
        assert not im.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert dict(im.getexif()) == {}
    [row] = manifest(archive)
    assert row["file"] == name
    assert row["sha256"] == hashlib.sha256(shared).hexdigest()
    assert row["original_sha256"] == photo.sha256 == hashlib.sha256(original).hexdigest()
    assert row["size"] == str(len(shared))
    html = archive.read("manifest.html").decode()
    assert row["sha256"] in html and photo.sha256 in html


def test_a_photo_without_its_clean_copy_yet_is_left_out_never_sent_as_the_original(
    client, borrower, complaint
):
    original = files.jpeg(gps=True)
    text = "催收记录".encode()
    upload(client, borrower, complaint, ("street.jpg", original), ("chat.txt", text))  # not processed

    archive = fetch(client, "evidence:package", complaint)

    shared = [archive.read(n) for n in archive.namelist() if n.startswith("evidence/")]
    assert shared == [text]  # plain text carries no location: shared as it is
    photo_row, text_row = manifest(archive)
    assert photo_row["file"] == "" and photo_row["sha256"] == ""
    assert "原件" in photo_row["note"]  # it says where the file is: only among the originals
    assert text_row["sha256"] == text_row["original_sha256"] == hashlib.sha256(text).hexdigest()


def test_the_originals_come_byte_for_byte(client, borrower, complaint):
    sent = {"a.png": files.png(), "b.jpg": files.jpeg(gps=True), "c.txt": "催收记录".encode()}
    evidence = upload(client, borrower, complaint, *sent.items())
    for item in evidence:
        services.evidence_process(evidence_id=item.pk)

    archive = fetch(client, "evidence:package_originals", complaint)

    originals = {n: archive.read(n) for n in archive.namelist() if n.startswith("evidence/")}
    assert sorted(originals.values()) == sorted(sent.values())
    rows = manifest(archive)
    assert [r["sha256"] for r in rows] == [e.sha256 for e in evidence]
    assert "证据清单" in archive.read("manifest.html").decode()


def test_each_download_is_in_the_audit_trail_with_its_package(client, borrower, advocate, complaint):
    upload(client, borrower, complaint, ("a.png", files.png()))
    client.force_login(advocate)

    fetch(client, "evidence:package", complaint)
    fetch(client, "evidence:package_originals", complaint)

    trail = AuditEvent.objects.filter(action=Action.DOWNLOAD_PACKAGE, complaint=complaint).order_by("pk")
    assert [(e.actor, e.detail) for e in trail] == [(advocate, "sharing"), (advocate, "originals")]


def test_the_originals_are_behind_a_plain_warning(client, borrower, complaint):
    upload(client, borrower, complaint, ("a.png", files.png()))

    page = client.get(reverse("evidence:originals", args=[complaint.reference])).content.decode()

    assert 'id="originals-warning"' in page
    assert "拍摄地点" in page
    sharing = page.index(reverse("evidence:package", args=[complaint.reference]))
    originals = page.index(reverse("evidence:package_originals", args=[complaint.reference]))
    assert sharing < originals


def test_the_evidence_section_offers_sharing_first(client, borrower, complaint):
    upload(client, borrower, complaint, ("a.png", files.png()))

    page = client.get(complaint.get_absolute_url()).content.decode()

    sharing = page.index(reverse("evidence:package", args=[complaint.reference]))
    originals = page.index(reverse("evidence:originals", args=[complaint.reference]))
    assert sharing < originals
    assert reverse("evidence:package_originals", args=[complaint.reference]) not in page
