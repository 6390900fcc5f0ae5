"""Derived files: location-free display copies and thumbnails, playable recordings, idempotent runs."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import ExifTags, Image

from evidence import services, tasks
from evidence.models import Evidence
from tests.evidence import files
from tests.evidence.conftest import post_files

pytestmark = pytest.mark.django_db


def upload_one(client, borrower, complaint, name, data) -> Evidence:
    client.force_login(borrower)
    response = post_files(client, complaint, (name, data))
    assert response.status_code == 200, response.json()
    return Evidence.objects.get(public_id=response.json()["files"][0]["id"])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_gps_never_comes_back_in_what_is_shown(client, borrower, complaint):
    original = files.jpeg(gps=True)
    with Image.open(io.BytesIO(original)) as im:
        assert im.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo really has GPS
    evidence = upload_one(client, borrower, complaint, "street.jpg", original)

    services.evidence_process(evidence_id=evidence.pk)

    evidence.refresh_from_db()
    assert evidence.state == Evidence.State.READY
    assert evidence.metadata["width"] == 640
    for variant in ("display", "thumbnail"):
        shown = body(
            client.get(reverse("evidence:download", args=[evidence.public_id]) + f"?variant={variant}")
        )
        with Image.open(io.BytesIO(shown)) as im:
            assert dict(im.getexif()) == {}
            assert "exif" not in im.info
        assert b"PhoneMaker" not in shown
    # The original is untouched: same bytes, same hash, GPS still in it for the record.
    kept = body(client.get(reverse("evidence:download", args=[evidence.public_id])))
    assert kept == original
    assert hashlib.sha256(kept).hexdigest() == evidence.sha256


def test_thumbnails_are_small(client, borrower, complaint):
    evidence = upload_one(client, borrower, complaint, "big.png", files.png((1600, 900)))

    services.evidence_process(evidence_id=evidence.pk)

    evidence.refresh_from_db()
    with evidence.thumbnail.open("rb") as f, Image.open(f) as im:
        assert im.size == (services.THUMBNAIL_SIDE, 360)  # 16:9 kept


def test_a_tall_screenshot_keeps_its_top_in_the_thumbnail(client, borrower, complaint):
    from io import BytesIO

    from PIL import ImageDraw

    shot = Image.new("RGB", (1080, 2400), (255, 255, 255))
    ImageDraw.Draw(shot).rectangle((0, 0, 1080, 200), fill=(0, 0, 200))  # the chat's header
    buffer = BytesIO()
    shot.save(buffer, "PNG")
    evidence = upload_one(client, borrower, complaint, "chat.png", buffer.getvalue())

    services.evidence_process(evidence_id=evidence.pk)

    evidence.refresh_from_db()
    with evidence.thumbnail.open("rb") as f, Image.open(f) as im:
        assert im.size == (640, 800)  # cut to 4:5, not squeezed
        top = im.convert("RGB").getpixel((320, 10))
        bottom = im.convert("RGB").getpixel((320, 790))
    assert top[2] > 150 and top[0] < 50  # the header is there
    assert bottom == (255, 255, 255) or min(bottom) > 240


def test_processing_twice_does_the_work_once(client, borrower, complaint):
    evidence = upload_one(client, borrower, complaint, "a.png", files.png())

    first = services.evidence_process(evidence_id=evidence.pk)
    second = services.evidence_process(evidence_id=evidence.pk)

    assert first is not None
    assert second is None
    evidence.refresh_from_db()
    assert evidence.processing_attempts == 1


def test_a_recording_gets_a_playable_copy_without_tags(client, borrower, complaint, ffmpeg):
    evidence = upload_one(client, borrower, complaint, "call.m4a", files.audio("m4a", seconds=2))

    services.evidence_process(evidence_id=evidence.pk)

    evidence.refresh_from_db()
    assert evidence.state == Evidence.State.READY
    assert evidence.metadata["duration"] == pytest.approx(2.0, abs=0.2)
    with evidence.display_file.open("rb") as f:
        assert b"secret" not in f.read()
    with evidence.file.open("rb") as f:
        assert b"secret" in f.read()  # the original keeps its tags: it is evidence


def test_amr_becomes_aac_for_browsers(client, borrower, complaint, ffmpeg):
    evidence = upload_one(client, borrower, complaint, "call.amr", files.amr(seconds=3))

    services.evidence_process(evidence_id=evidence.pk)

    evidence.refresh_from_db()
    assert evidence.display_content_type == "audio/mp4"
    assert evidence.metadata["duration"] == pytest.approx(3.0, abs=0.3)
    response = client.get(reverse("evidence:download", args=[evidence.public_id]) + "?variant=display")
    assert response["Content-Type"] == "audio/mp4"


def test_a_file_that_breaks_processing_is_kept_and_shown_failed(client, borrower, complaint):
    evidence = upload_one(client, borrower, complaint, "a.png", files.png())
    # Storage now holds something no decoder accepts (say, a disk error corrupted it).
    evidence.file.storage.delete(evidence.file.name)
    evidence.file.storage.save(evidence.file.name, ContentFile(b"not an image any more"))

    services.evidence_process(evidence_id=evidence.pk)

    evidence.refresh_from_db()
    assert evidence.state == Evidence.State.FAILED
    assert evidence.processing_error
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert "处理失败" in page


def test_a_missing_file_is_a_transient_error_that_retries(client, borrower, complaint):
    evidence = upload_one(client, borrower, complaint, "a.png", files.png())
    evidence.file.storage.delete(evidence.file.name)

    with pytest.raises(services.TransientProcessingError):
        services.evidence_process(evidence_id=evidence.pk)

    evidence.refresh_from_db()
    assert evidence.state == Evidence.State.FAILED
    assert tasks.process_evidence.autoretry_for == (services.TransientProcessingError,)


def test_the_upload_enqueues_processing_after_commit(
    client, borrower, complaint, django_capture_on_commit_callbacks
):
    client.force_login(borrower)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_files(client, complaint, ("a.png", files.png()))

    # The processing task, and telling the advocates of the new evidence (issue 16).
    assert len(callbacks) == 2
    assert Evidence.objects.get().state == Evidence.State.PENDING
