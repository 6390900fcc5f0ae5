"""The copy of one's data reads as the person would: their time zone, their words, their
files' names; and leaving counts what they uploaded."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from complaints.models import Status
from lib.china import CHINA_TZ
from tests.evidence import files
from tests.factories import PASSWORD, ComplaintFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(client, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED, province="440000")
    IncidentFactory(
        complaint=complaint, kind="night_calls", occurred_at=datetime(2026, 11, 20, 23, 30, tzinfo=CHINA_TZ)
    )
    client.force_login(borrower)
    for name in ("聊天截图.png", "聊天截图.png"):
        client.post(
            reverse("evidence:upload", args=[complaint.reference]),
            {"files": [SimpleUploadedFile(name, files.png())]},
            headers={"Accept": "application/json"},
        )
    return complaint


def export(client) -> tuple[dict, zipfile.ZipFile]:
    response = client.get(reverse("my_data_export"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return json.loads(archive.read("data.json")), archive


def test_the_export_speaks_the_readers_words_and_time(client, case):
    data, _archive = export(client)

    complaint = data["complaints"][0]
    incident = complaint["incidents"][0]
    assert complaint["province"] == "广东省"
    assert incident["kind"] != "night_calls" and "夜" in incident["kind"]
    assert incident["occurred_at"] == "2026-11-20T23:30:00+08:00"  # Beijing, not UTC
    assert data["exported_at"].endswith("+08:00")


def test_the_export_names_files_as_they_were_uploaded_and_keeps_two_of_the_same_name(client, case):
    data, archive = export(client)

    stored = sorted(n for n in archive.namelist() if n.startswith("files/"))
    assert len(stored) == 2
    assert all(n.endswith("-聊天截图.png") for n in stored)
    assert sorted(e["file"] for e in data["complaints"][0]["evidence"]) == stored


def test_deleting_counts_the_files_uploaded_not_their_copies(client, case):
    from evidence import services
    from evidence.models import Evidence

    for evidence in Evidence.objects.filter(complaint=case):
        services.evidence_process(evidence_id=evidence.pk)  # display copies and thumbnails

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("my_data_delete"), {"password": PASSWORD})

    assert response.context["files"] == 2
