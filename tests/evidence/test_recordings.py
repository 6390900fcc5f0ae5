"""Recordings are judged by how much of them decodes, not by their headers or the first complaint."""

from __future__ import annotations

import random

import pytest

from evidence import services
from evidence.models import Evidence
from tests.evidence import files
from tests.evidence.conftest import post_files

pytestmark = pytest.mark.django_db


def upload_one(client, borrower, complaint, name, data) -> Evidence:
    client.force_login(borrower)
    response = post_files(client, complaint, (name, data))
    assert response.status_code == 200, response.json()
    return Evidence.objects.get(public_id=response.json()["files"][0]["id"])


def test_it_accepts_amr_with_comfort_noise_frames(client, borrower, complaint, ffmpeg):
    data = files.amr_with_silence(talk_frames=25, rounds=10)

    evidence = upload_one(client, borrower, complaint, "call.amr", data)
    services.evidence_process(evidence_id=evidence.pk)

    evidence.refresh_from_db()
    assert evidence.state == Evidence.State.READY, evidence.processing_error
    # 10 rounds of 25 speech frames and 16 frames of silence, 20 ms each.
    assert evidence.metadata["duration"] == pytest.approx(8.2)
    assert evidence.metadata["decoded_duration"] == pytest.approx(5.0, abs=0.05)
    assert evidence.display_content_type == "audio/mp4"


def test_it_accepts_amr_whose_last_frame_was_cut_off(client, borrower, complaint, ffmpeg):
    evidence = upload_one(client, borrower, complaint, "call.amr", files.amr(seconds=2)[:-10])

    services.evidence_process(evidence_id=evidence.pk)

    evidence.refresh_from_db()
    assert evidence.state == Evidence.State.READY
    assert evidence.metadata["duration"] == pytest.approx(1.98)


def test_it_refuses_amr_that_stops_being_amr(client, borrower, complaint):
    data = files.amr(seconds=2) + random.Random(2).randbytes(3000)
    client.force_login(borrower)

    response = post_files(client, complaint, ("call.amr", data))

    assert response.status_code == 400
    assert "无法读取" in response.json()["files"][0]["error"]


def _mp3_with_noise_after_its_start(seconds: int = 10, whole: float = 0.2) -> bytes:
    """An MP3 whose first frames are real and whose rest was overwritten with noise."""
    good = files.audio("mp3", seconds=seconds)
    cut = int(len(good) * whole)
    return good[:cut] + random.Random(3).randbytes(len(good) - cut)


def test_a_recording_mostly_noise_is_marked_damaged_and_the_filer_told(
    client, borrower, advocate, complaint, ffmpeg
):
    evidence = upload_one(client, borrower, complaint, "call.mp3", _mp3_with_noise_after_its_start())
    assert evidence.metadata["duration"] == pytest.approx(10, abs=0.1)  # what the headers say

    services.evidence_process(evidence_id=evidence.pk)

    evidence.refresh_from_db()
    assert evidence.state == Evidence.State.DAMAGED
    assert evidence.metadata["decoded_duration"] < 4
    assert evidence.display_file  # what does play is still there to hear
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert "这段录音已损坏" in page
    assert "请重新上传" in page
    # Advocates see it marked too.
    client.force_login(advocate)
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert "已损坏" in page


def test_a_whole_recording_decodes_to_its_length(client, borrower, complaint, ffmpeg):
    evidence = upload_one(client, borrower, complaint, "call.mp3", files.audio("mp3", seconds=4))

    services.evidence_process(evidence_id=evidence.pk)

    evidence.refresh_from_db()
    assert evidence.state == Evidence.State.READY
    assert evidence.metadata["decoded_duration"] == pytest.approx(evidence.metadata["duration"], abs=0.1)


def test_a_damaged_recording_is_not_processed_again(client, borrower, complaint, ffmpeg):
    evidence = upload_one(client, borrower, complaint, "call.mp3", _mp3_with_noise_after_its_start())
    services.evidence_process(evidence_id=evidence.pk)

    again = services.evidence_process(evidence_id=evidence.pk)

    assert again is None
    evidence.refresh_from_db()
    assert (evidence.state, evidence.processing_attempts) == (Evidence.State.DAMAGED, 1)
