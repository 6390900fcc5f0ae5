from __future__ import annotations

import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints.models import Status
from tests.conftest import missing_service
from tests.factories import ComplaintFactory


@pytest.fixture
def ffmpeg() -> None:
    if shutil.which("ffmpeg") is None:
        missing_service("ffmpeg is not installed (apt-get install ffmpeg)")


@pytest.fixture
def complaint(borrower):
    return ComplaintFactory(filer=borrower, status=Status.SUBMITTED)


@pytest.fixture
def draft(borrower):
    return ComplaintFactory(filer=borrower, status=Status.DRAFT)


def post_files(client, complaint, *files: tuple[str, bytes], json: bool = True, **fields):
    data = {"files": [SimpleUploadedFile(name, content) for name, content in files], **fields}
    headers = {"Accept": "application/json"} if json else {}
    return client.post(reverse("evidence:upload", args=[complaint.reference]), data, headers=headers)
