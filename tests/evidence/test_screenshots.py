"""Screenshots read by Tesseract: proposed incidents, the covered copy that is shared,
advocates' search of the text. Every picture is drawn by tests/evidence/screenshots.py
from known content, and read for real: no OCR is mocked."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import zipfile
from datetime import date, time

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import Channel, HarassmentKind, Incident, Status
from evidence import contained, readings, screens, services
from evidence.models import Evidence, Proposal, Reading
from tests.conftest import missing_service
from tests.evidence import ocr_report, screenshots
from tests.evidence.conftest import post_files
from tests.factories import ComplaintFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tesseract() -> None:
    if shutil.which("tesseract") is None:
        missing_service("tesseract is not installed (make system-packages)")


@pytest.fixture(scope="module")
def shots() -> dict[str, screenshots.Shot]:
    return {shot.name: shot for shot in screenshots.small_set()}


def upload_and_process(client, borrower, complaint, shot) -> Evidence:
    client.force_login(borrower)
    response = post_files(client, complaint, (shot.name, shot.data))
    assert response.status_code == 200, response.json()
    evidence = Evidence.objects.get(public_id=response.json()["files"][0]["id"])
    services.evidence_process(evidence_id=evidence.pk)
    evidence.refresh_from_db()
    return evidence


def read_again(data: bytes) -> str:
    """OCR of a file, as text with the lines joined and digits only kept apart."""
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "again.png")
        with open(path, "wb") as f:
            f.write(data)
        answer = readings.ocr_file(path, work)
    return "\n".join(line["text"] for line in answer["lines"])


def test_it_proposes_incidents_with_sender_and_times_on_the_complaint_page(
    client, borrower, complaint, shots
):
    shot = shots["sms-light-2x.png"]

    evidence = upload_and_process(client, borrower, complaint, shot)

    assert evidence.state == Evidence.State.READY
    assert evidence.metadata["ocr"] == "read"
    proposals = list(Proposal.objects.filter(evidence=evidence))
    assert [f"{p.at.hour}:{p.at.minute:02d}" for p in proposals] == shot.truth.times
    assert {p.collector_id for p in proposals} == {shot.truth.sender}
    assert all(p.state == Proposal.State.PROPOSED for p in proposals)
    assert Incident.objects.filter(complaint=complaint).count() == 0  # nothing recorded yet
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert 'id="proposals"' in page
    assert shot.truth.sender in page
    for at in shot.truth.times:
        assert f">{int(at.split(':')[0]):02d}:{at.split(':')[1]}</time>" in page


def test_the_package_shares_the_covered_copy_and_never_the_relatives_number(
    client, borrower, complaint, shots
):
    shot = shots["sms-light-2x.png"]
    assert shot.truth.third_party_numbers  # the fixture quotes a relative's number
    evidence = upload_and_process(client, borrower, complaint, shot)
    reading = Reading.objects.get(evidence=evidence)

    response = client.get(reverse("evidence:package", args=[complaint.reference]))

    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    [name] = [n for n in archive.namelist() if n.startswith("evidence/")]
    assert name.endswith("-covered.png")
    shared = archive.read(name)
    assert shared != shot.data
    assert hashlib.sha256(shared).hexdigest() == reading.redacted_sha256
    manifest = archive.read("manifest.csv").decode("utf-8-sig")
    assert evidence.sha256 in manifest and reading.redacted_sha256 in manifest
    text = read_again(shared)
    digits = "".join(ch for ch in text if ch.isdigit())
    for number in shot.truth.third_party_numbers:
        assert not any(number[i : i + 4] in digits for i in range(len(number) - 3)), text
    # What the collector wrote stays readable: the words of the threat and the sender.
    assert "打过了" in text.replace(" ", "")
    assert shot.truth.sender in digits
    # The original is unchanged, for a court.
    with evidence.file.open("rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == evidence.sha256


def test_the_covered_copy_is_flat_pixels_without_metadata(client, borrower, complaint, shots):
    evidence = upload_and_process(client, borrower, complaint, shots["sms-light-2x.png"])
    reading = Reading.objects.get(evidence=evidence)

    with reading.redacted_file.open("rb") as f:
        data = f.read()

    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG"
        assert im.mode == "RGB"  # one layer, no alpha to peel off
        assert not getattr(im, "text", {})
        assert "exif" not in im.info
        for x0, y0, x1, y1 in readings.covered_boxes(reading):
            box = im.crop((x0 + 1, y0 + 1, x1 - 1, y1 - 1)).convert("L")
            assert box.getextrema() == (0, 0)  # opaque: nothing of what was under it


def test_accepting_records_the_incident_linked_to_the_screenshot(client, borrower, complaint, shots):
    shot = shots["sms-light-2x.png"]
    evidence = upload_and_process(client, borrower, complaint, shot)
    proposal = Proposal.objects.filter(evidence=evidence).order_by("position").first()
    url = reverse("evidence:proposals", args=[evidence.public_id])

    response = client.post(url, {"day": "2026-01-15", "accept": proposal.pk})

    assert response.status_code == 302
    proposal.refresh_from_db()
    evidence.refresh_from_db()
    incident = proposal.incident
    assert proposal.state == Proposal.State.ACCEPTED
    assert evidence.incident == incident
    assert incident.channel == Channel.SMS
    assert incident.collector_id == shot.truth.sender
    local = timezone.localtime(incident.occurred_at)
    assert (local.date(), f"{local.hour}:{local.minute:02d}") == (date(2026, 1, 15), shot.truth.times[0])
    # The quote goes into letters: the relative's number is masked there.
    for number in shot.truth.third_party_numbers:
        assert number not in incident.description
    # A second tap records nothing more.
    client.post(url, {"day": "2026-01-15", "accept": proposal.pk})
    assert Incident.objects.filter(complaint=complaint).count() == 1


def test_a_day_in_the_future_is_refused_and_nothing_recorded(client, borrower, complaint, shots):
    evidence = upload_and_process(client, borrower, complaint, shots["sms-light-2x.png"])
    proposal = Proposal.objects.filter(evidence=evidence).first()

    client.post(
        reverse("evidence:proposals", args=[evidence.public_id]), {"day": "2999-01-01", "accept": proposal.pk}
    )

    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.PROPOSED
    assert not Incident.objects.filter(complaint=complaint).exists()


def test_dismissing_hides_the_proposal_and_records_nothing(client, borrower, complaint, shots):
    evidence = upload_and_process(client, borrower, complaint, shots["sms-light-2x.png"])
    proposals = list(Proposal.objects.filter(evidence=evidence))

    for proposal in proposals:
        client.post(reverse("evidence:proposals", args=[evidence.public_id]), {"dismiss": proposal.pk})

    assert set(Proposal.objects.filter(evidence=evidence).values_list("state", flat=True)) == {"dismissed"}
    assert not Incident.objects.filter(complaint=complaint).exists()
    assert 'id="proposals"' not in client.get(complaint.get_absolute_url()).content.decode()


def test_editing_a_proposal_records_the_corrected_incident(client, borrower, complaint, shots):
    evidence = upload_and_process(client, borrower, complaint, shots["sms-light-2x.png"])
    proposal = Proposal.objects.filter(evidence=evidence).first()
    url = reverse("evidence:proposal_edit", args=[evidence.public_id, proposal.pk])
    assert client.get(url).status_code == 200

    client.post(
        url,
        {
            "occurred_at": "2026-01-10T21:43",
            "channel": "sms",
            "kind": HarassmentKind.INSULTS,
            "collector_id": "10690000000",
            "contacted": "self",
            "description": "改过的文字",
        },
    )

    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.ACCEPTED
    assert proposal.incident.kind == HarassmentKind.INSULTS
    assert proposal.incident.description == "改过的文字"


def test_strangers_cannot_decide_or_see_covers(client, borrower, other_borrower, complaint, shots):
    evidence = upload_and_process(client, borrower, complaint, shots["sms-light-2x.png"])
    proposal = Proposal.objects.filter(evidence=evidence).first()
    client.force_login(other_borrower)

    assert (
        client.post(
            reverse("evidence:proposals", args=[evidence.public_id]), {"accept": proposal.pk}
        ).status_code
        == 404
    )
    assert client.get(reverse("evidence:covers", args=[evidence.public_id])).status_code == 404
    assert client.get(reverse("evidence:text", args=[evidence.public_id])).status_code == 404
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.PROPOSED


def test_a_call_log_becomes_one_series_incident_that_conduct_checks_count(
    client, borrower, complaint, shots, django_capture_on_commit_callbacks
):
    from escalations.conduct import check_incident
    from escalations.models import CheckKind, ConductRule

    shot = shots["calls-1x.png"]
    evidence = upload_and_process(client, borrower, complaint, shot)
    [proposal] = Proposal.objects.filter(evidence=evidence)
    assert proposal.channel == Channel.CALL
    assert proposal.call_times == shot.truth.times

    client.post(
        reverse("evidence:proposals", args=[evidence.public_id]), {"day": "2026-01-15", "accept": proposal.pk}
    )

    incident = Proposal.objects.get(pk=proposal.pk).incident
    assert incident.series_count == shot.truth.calls
    rule = ConductRule(code="x", name_zh="x", check_kind=CheckKind.CALLS_PER_DAY, max_per_day=3, active=True)
    [breach] = check_incident(incident, [rule], [incident])
    assert breach.count == shot.truth.calls  # every call of the series, not one incident


def test_the_borrower_uncovers_and_covers_from_the_list(
    client, borrower, complaint, shots, django_capture_on_commit_callbacks, tasks_run_here
):
    evidence = upload_and_process(client, borrower, complaint, shots["sms-light-2x.png"])
    reading = Reading.objects.get(evidence=evidence)
    first_sha = reading.redacted_sha256
    numbers = [c["id"] for c in reading.covers if c["kind"] == "number"]
    line = next(c["id"] for c in reading.covers if c["kind"] == "line")
    url = reverse("evidence:covers", args=[evidence.public_id])
    assert client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"cover": [*numbers, line]})

    reading.refresh_from_db()
    assert reading.redaction_version == 1
    assert reading.redacted_sha256 and reading.redacted_sha256 != first_sha
    assert {c["id"] for c in reading.covered} == {*numbers, line}
    assert all(c["by"] == "filer" for c in reading.covers if c["id"] == line)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {})  # nothing covered: the package holds the copy without metadata

    reading.refresh_from_db()
    assert not reading.redacted_file
    archive = zipfile.ZipFile(
        io.BytesIO(
            b"".join(client.get(reverse("evidence:package", args=[complaint.reference])).streaming_content)
        )
    )
    assert any("-copy." in n for n in archive.namelist())


def test_while_the_covered_copy_is_being_made_the_package_leaves_the_file_out(
    client, borrower, complaint, shots
):
    evidence = upload_and_process(client, borrower, complaint, shots["sms-light-2x.png"])
    reading = Reading.objects.get(evidence=evidence)
    # The change is saved; the worker has not made the new copy yet (no on_commit run).
    readings.reading_set_covers(
        reading=reading, actor=borrower, covered_ids={c["id"] for c in reading.covered}
    )

    archive = zipfile.ZipFile(
        io.BytesIO(
            b"".join(client.get(reverse("evidence:package", args=[complaint.reference])).streaming_content)
        )
    )

    assert [n for n in archive.namelist() if n.startswith("evidence/")] == []


def test_advocates_find_cases_by_a_phrase_in_screenshots(client, borrower, advocate, complaint, shots):
    upload_and_process(client, borrower, complaint, shots["chat-dark-3x.png"])
    ComplaintFactory(status=Status.SUBMITTED, summary="别的事情")
    client.force_login(advocate)

    found = client.get(reverse("cases:queue"), {"q": "经侦 大队"})
    missing = client.get(reverse("cases:queue"), {"q": "从未出现的话"})

    assert [c.reference for c in found.context["page"].object_list] == [complaint.reference]
    assert list(missing.context["page"].object_list) == []


def test_a_picture_that_cannot_be_read_is_still_ready(client, borrower, complaint, monkeypatch):
    from tests.evidence import files

    monkeypatch.setattr(readings, "OCR_SECONDS", 0.001)  # tesseract cannot finish in time
    evidence = upload_and_process(client, borrower, complaint, screenshots.Shot("a.png", files.png(), None))

    assert evidence.state == Evidence.State.READY
    assert evidence.metadata["ocr"].startswith("ocr")
    assert not Reading.objects.filter(evidence=evidence).exists()


# The reading itself, on lines as OCR gives them ------------------------------------------


def _line(text: str, top: int, left: int = 20, size: int = 20) -> dict:
    chars = [[left + i * size, top, left + (i + 1) * size, top + size] for i in range(len(text))]
    return {"text": text, "box": [left, top, left + len(text) * size, top + size], "chars": chars}


def test_a_number_split_over_two_lines_is_one_number_covered_on_both():
    lines = [
        _line("10690123456789", 40, left=100),
        _line("21:45", 100, left=160),
        _line("你妈妈王秀英的电话139123456", 140),
        _line("78我们已经打过了", 164),
    ]

    screen = screens.read_screen(lines, 720, 1400)

    numbers = [c for c in screen.covers if c.kind == "number"]
    assert [c.text for c in numbers] == ["13912345678"]
    assert len(numbers[0].boxes) == 2  # one box on each line
    assert [c.text for c in screen.covers if c.kind == "name"] == ["王秀英"]
    [message] = screen.messages
    assert (message.time, message.kind, message.contacted) == (time(21, 45), "third_parties", "family")


def test_the_borrowers_and_the_collectors_numbers_are_not_covered():
    lines = [
        _line("13800138000", 40, left=100),
        _line("21:45", 100, left=160),
        _line("回电13800138000或者让13911112222还钱", 140),
    ]

    screen = screens.read_screen(lines, 720, 1400, borrower_numbers={"13911112222"})

    assert screen.sender == "13800138000"
    assert screen.covers == []


def test_dates_on_the_screen_are_read_against_the_screenshots_day():
    assert screens.day_of(date(2026, 1, 3), 1, None) == date(2026, 1, 2)
    assert screens.day_of(date(2026, 1, 3), None, (12, 30)) == date(2025, 12, 30)
    lines = [
        _line("95188", 40, left=100),
        _line("昨天 晚上 9:05", 100, left=120),
        _line("律师函已经寄出", 140),
    ]
    [message] = screens.read_screen(lines, 720, 1400).messages
    assert (message.time, message.day_offset, message.kind) == (time(21, 5), 1, "impersonation")


def test_the_drawn_set_meets_the_goals():
    """The handful of drawn screenshots, measured as `python -m tests.evidence.ocr_report`
    measures the full set (run by `make ocr-report`)."""
    _results, summary = ocr_report.run(screenshots.small_set())

    assert summary["sender_exact"] >= 0.95
    assert summary["times_exact"] >= 0.95
    assert summary["text_cer"] <= 0.05
    assert summary["third_party_numbers_total"] >= 1
    assert summary["third_party_numbers_left_legible"] == 0


def test_ocr_is_bounded_in_memory():
    """Tesseract runs under the child's memory limit: given too little it stops with an
    error of its own instead of growing the worker; given the usual limit it reads."""
    shot = screenshots.small_set()[0]
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "s.png")
        with open(path, "wb") as f:
            f.write(shot.data)
        starved = contained.run("ocr", path, "60000000", work, "30", memory_mb=60, seconds=60)
        enough = contained.run("ocr", path, "60000000", work, "30", memory_mb=400, seconds=60)

    assert starved["error"] == "ocr_failed"
    assert "bad_alloc" in starved["detail"]
    assert enough["lines"]
