"""A file left "processing" by a worker that died is taken up again, a few times, then given up on plainly."""

from __future__ import annotations

import datetime as dt
import uuid
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from evidence import services, tasks
from evidence.models import MAX_PROCESSING_ATTEMPTS, Evidence
from tests.evidence import files
from tests.evidence.conftest import post_files

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def upload_png(client, borrower, complaint) -> Evidence:
    client.force_login(borrower)
    response = post_files(client, complaint, ("a.png", files.png()))
    assert response.status_code == 200, response.json()
    return Evidence.objects.get()


def worker_takes_it_and_dies(evidence: Evidence) -> None:
    # The claim is all a worker leaves behind when it is killed half way.
    assert services._claim(evidence.pk, timezone.now()) is not None


def sweep() -> list[int]:
    with mock.patch.object(tasks.process_evidence, "delay") as delay:
        tasks.process_stalled_evidence()
    return [c.args[0] for c in delay.call_args_list]


def test_it_takes_up_a_file_whose_worker_died(client, borrower, complaint):
    with time_machine.travel(START, tick=False):
        evidence = upload_png(client, borrower, complaint)
        worker_takes_it_and_dies(evidence)
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        assert sweep() == []  # perhaps only slow: not yet

    with time_machine.travel(START + dt.timedelta(minutes=16), tick=False):
        queued = sweep()
        services.evidence_process(evidence_id=evidence.pk)

    assert queued == [evidence.pk]
    evidence.refresh_from_db()
    assert evidence.state == Evidence.State.READY
    assert evidence.processing_attempts == 2


def test_a_stale_claim_can_be_taken_once(client, borrower, complaint):
    with time_machine.travel(START, tick=False):
        evidence = upload_png(client, borrower, complaint)
        worker_takes_it_and_dies(evidence)

    with time_machine.travel(START + dt.timedelta(minutes=16), tick=False):
        first = services._claim(evidence.pk, timezone.now())
        second = services._claim(evidence.pk, timezone.now())

    assert first is not None
    assert second is None


def test_it_gives_up_after_the_last_attempt_and_says_so(client, borrower, complaint):
    with time_machine.travel(START, tick=False):
        evidence = upload_png(client, borrower, complaint)
        worker_takes_it_and_dies(evidence)
    for attempt in range(1, MAX_PROCESSING_ATTEMPTS):
        with time_machine.travel(START + attempt * dt.timedelta(minutes=16), tick=False):
            assert sweep() == [evidence.pk]
            worker_takes_it_and_dies(evidence)

    with time_machine.travel(START + MAX_PROCESSING_ATTEMPTS * dt.timedelta(minutes=16), tick=False):
        assert sweep() == []
    with time_machine.travel(START + dt.timedelta(days=1), tick=False):
        assert sweep() == []

    evidence.refresh_from_db()
    assert evidence.state == Evidence.State.FAILED
    assert evidence.processing_attempts == MAX_PROCESSING_ATTEMPTS
    assert evidence.gave_up
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert "这个文件无法处理" in page
    assert "援助人员仍然可以下载和使用" in page


def test_the_sweep_is_on_the_beat_schedule():
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == tasks.process_stalled_evidence.name
    ]

    assert len(entries) == 1
    assert entries[0]["schedule"] <= services.STALE_CLAIM.total_seconds()


def test_the_same_task_delivered_again_takes_its_file_back_at_once(client, borrower, complaint):
    """A worker killed mid-processing: Celery delivers the message again with the same
    task id, and that run finishes the file now, not after the stale claim's 15 minutes."""
    run = uuid.uuid4()
    with time_machine.travel(START, tick=False):
        evidence = upload_png(client, borrower, complaint)
        assert services._claim(evidence.pk, timezone.now(), run) is not None  # and the worker dies
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        tasks.process_evidence.apply(args=[evidence.pk], task_id=str(uuid.uuid4()))
        evidence.refresh_from_db()
        assert evidence.state == Evidence.State.PROCESSING  # another task: not before the claim is stale

        tasks.process_evidence.apply(args=[evidence.pk], task_id=str(run))

    evidence.refresh_from_db()
    assert evidence.state == Evidence.State.READY
    assert evidence.processing_attempts == 2
