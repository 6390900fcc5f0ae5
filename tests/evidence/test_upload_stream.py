"""The upload stream: hashed on a second thread, searched for web code as it arrives, and
moved into storage rather than copied. None of it may change what is accepted."""

from __future__ import annotations

import hashlib
import random
import threading

import pytest

from evidence.models import Evidence
from evidence.uploads import HashingTemporaryFileUploadHandler, _BackgroundSha256
from evidence.validation import _SCRIPT_MARKERS, EvidenceRejected, MarkerScan, inspect_file
from tests.evidence.conftest import post_files

BLOCK = HashingTemporaryFileUploadHandler.chunk_size


def wav(size: int, *, seed: int = 1) -> bytes:
    """A valid WAV of exactly `size` bytes: quiet noise whose high bytes are never text."""
    rng = random.Random(seed)
    samples = bytearray(rng.randbytes(size - 44))
    samples[1::2] = bytes(b & 0x0F for b in samples[1::2])
    header = b"RIFF" + (size - 8).to_bytes(4, "little") + b"WAVE"
    header += b"fmt " + (16).to_bytes(4, "little") + bytes.fromhex("0100 0100 44ac0000 88580100 0200 1000")
    header += b"data" + (size - 44).to_bytes(4, "little")
    return header + bytes(samples)


def with_marker(data: bytes, at: int, marker: bytes = b"<ScRiPt") -> bytes:
    return data[:at] + marker + data[at + len(marker) :]


def scan(data: bytes, cuts: list[int]) -> bytes | None:
    scanner = MarkerScan()
    for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True):
        scanner.feed(data[start:end])
    return scanner.found


@pytest.mark.parametrize("marker", _SCRIPT_MARKERS)
def test_a_marker_is_found_wherever_the_blocks_split_it(marker):
    data = with_marker(bytes(100), 40, marker.upper())

    for cut in range(35, 40 + len(marker) + 5):
        assert scan(data, [cut]) == marker, cut
    # Blocks shorter than the marker: it spans three or more of them.
    assert scan(data, list(range(1, len(data)))) == marker


def test_compressed_audio_is_not_taken_for_web_code_by_chance():
    """Random-looking bytes, like 30 minutes of MP3: short runs such as "<%@" or "<svg " turn
    up in them (the old markers refused every long recording); the markers kept do not."""
    data = random.Random(2026).randbytes(32 * 1024 * 1024)
    assert b"<%@" in data  # what the old, three-byte marker found

    assert scan(data, list(range(BLOCK, len(data), BLOCK))) is None


def test_a_marker_that_is_not_there_is_not_found():
    data = b"<scrip_" + b"<svq" + b"<?ph" + bytes(10) + b"<bod"

    assert scan(data, [3, 7, 11]) is None


def test_the_background_hash_is_the_hash_of_every_block_in_order():
    rng = random.Random(7)
    blocks = [rng.randbytes(rng.choice([1, 100, 5000, BLOCK])) for _ in range(20)]
    hasher = _BackgroundSha256()

    for block in blocks:
        hasher.update(block)

    assert hasher.hexdigest() == hashlib.sha256(b"".join(blocks)).hexdigest()


def test_an_interrupted_upload_leaves_no_hashing_thread():
    handler = HashingTemporaryFileUploadHandler()
    handler.new_file("files", "call.wav", "audio/wav", 10)
    handler.receive_data_chunk(b"RIFF", 0)

    handler.upload_interrupted()

    handler._sha256._pool.shutdown(wait=True)
    assert not [t for t in threading.enumerate() if t.name.startswith("upload-sha256")]


def test_a_scan_that_did_not_see_every_byte_is_not_trusted(tmp_path):
    data = with_marker(wav(200_000), 150_000)
    path = tmp_path / "call.wav"
    path.write_bytes(data)
    partial = MarkerScan()
    partial.feed(data[:100_000])  # stopped early: it found nothing in what it saw

    with pytest.raises(EvidenceRejected):
        inspect_file(str(path), "call.wav", len(data), scanned=partial)


@pytest.mark.django_db
def test_web_code_deep_in_a_large_recording_is_refused(client, borrower, complaint):
    client.force_login(borrower)
    clean = wav(3 * BLOCK + 1000)
    # Across the handler's first block boundary (the form's headers shift it a little)
    # and near the end.
    hostile = [with_marker(clean, BLOCK - 200 + i * 61) for i in range(4)] + [
        with_marker(clean, len(clean) - 9)
    ]

    response = post_files(client, complaint, *[(f"call{i}.wav", data) for i, data in enumerate(hostile)])

    verdicts = response.json()["files"]
    assert [v["accepted"] for v in verdicts] == [False] * len(hostile)
    assert all("网页代码" in v["error"] for v in verdicts), verdicts
    assert Evidence.objects.count() == 0


@pytest.mark.django_db
def test_a_large_recording_is_kept_byte_for_byte_with_its_hash(client, borrower, complaint):
    client.force_login(borrower)
    data = wav(3 * BLOCK + 1000)

    response = post_files(client, complaint, ("call.wav", data))

    verdict = response.json()["files"][0]
    assert verdict["accepted"] is True
    evidence = Evidence.objects.get()
    with evidence.file.open("rb") as f:
        kept = f.read()
    assert kept == data
    assert evidence.sha256 == verdict["sha256"] == hashlib.sha256(data).hexdigest()
    assert not [t for t in threading.enumerate() if t.name.startswith("upload-sha256")]
