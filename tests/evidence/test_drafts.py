"""A draft takes evidence from its first save: a recording is safest kept the day it was made."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.models import Status, TimelineEvent
from evidence import services
from evidence.models import Evidence
from tests.evidence import files
from tests.evidence.conftest import post_files
from tests.factories import ComplaintFactory

pytestmark = pytest.mark.django_db


def test_the_filer_uploads_evidence_to_a_draft(client, borrower, draft):
    client.force_login(borrower)

    response = post_files(client, draft, ("chat.png", files.png()), ("more.png", files.png()))

    assert response.status_code == 200
    assert [f["accepted"] for f in response.json()["files"]] == [True, True]
    assert Evidence.objects.filter(complaint=draft).count() == 2
    # A draft's timeline starts at submission: nobody else reads it before.
    assert not TimelineEvent.objects.filter(complaint=draft, kind=TimelineEvent.Kind.EVIDENCE).exists()


def test_the_service_accepts_a_draft_for_its_filer_only(borrower, other_borrower, advocate, draft):
    from django.core.files.uploadedfile import SimpleUploadedFile

    kept = services.evidence_add(
        complaint=draft, uploader=borrower, upload=SimpleUploadedFile("a.png", files.png())
    )
    assert kept.complaint_id == draft.pk
    for stranger in (other_borrower, advocate):
        with pytest.raises(services.EvidenceRejected):
            services.evidence_add(
                complaint=draft, uploader=stranger, upload=SimpleUploadedFile("b.png", files.png())
            )

    assert Evidence.objects.filter(complaint=draft).count() == 1


def test_an_advocate_cannot_upload_to_a_draft(client, advocate, draft):
    client.force_login(advocate)

    response = post_files(client, draft, ("a.png", files.png()))

    assert response.status_code == 404
    assert not Evidence.objects.filter(complaint=draft).exists()


def test_the_draft_page_shows_the_upload_and_the_count(client, borrower, draft):
    client.force_login(borrower)
    post_files(client, draft, ("a.png", files.png()))

    page = client.get(draft.get_absolute_url()).content.decode()

    assert 'id="evidence-upload"' in page
    assert "a.png" in page


def test_the_draft_form_leads_to_the_upload(client, borrower, draft):
    client.force_login(borrower)

    page = client.get(reverse("complaints:edit", args=[draft.reference])).content.decode()

    assert f'{draft.get_absolute_url()}#evidence"' in page


def test_a_closed_complaint_takes_no_evidence(client, borrower):
    closed = ComplaintFactory(filer=borrower, status=Status.CLOSED)
    client.force_login(borrower)

    response = post_files(client, closed, ("a.png", files.png()))

    assert response.json()["files"][0]["accepted"] is False
    assert not Evidence.objects.filter(complaint=closed).exists()
