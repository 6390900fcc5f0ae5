"""The page that waits for a letter's PDF (issue 20: "rendered off the request path; the
page that waits for it stays fast"): `make bench` loads it as `letter_wait`. Its queries
must not grow with the complaint's incidents or with the number of times it was asked."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escalations.models import LetterPdf
from tests.factories import IncidentFactory
from tests.test_page_budgets import featured_case

pytestmark = pytest.mark.django_db


def waiting_page(client, complaint) -> tuple[int, bytes]:
    url = reverse(
        "regulators:letter_pdf",
        kwargs={"reference": complaint.reference, "target": f"lender-{complaint.lender_id}"},
    )
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    return len(ctx.captured_queries), response.content


def test_the_page_that_waits_for_a_pdf_costs_the_same_queries_whatever_the_complaint(
    client, borrower, django_capture_on_commit_callbacks
):
    complaint = featured_case(borrower)
    client.force_login(borrower)
    with django_capture_on_commit_callbacks() as queued:
        waiting_page(client, complaint)  # the first asks for the render: one task queued
    assert len(queued) == 1
    with django_capture_on_commit_callbacks() as queued:
        small, _ = waiting_page(client, complaint)
    assert queued == []  # a refresh finds the row and queues nothing

    for _ in range(20):
        IncidentFactory(complaint=complaint)
    waiting_page(client, complaint)  # a new letter text: a new version to wait for
    large, html = waiting_page(client, complaint)

    assert b'http-equiv="refresh"' in html  # it waits, and says so
    assert large == small
    # Session, person, complaint, saved draft, the audit line, the PDF's row: the letter
    # itself comes from the cache (escalations.letters.letter_generate_cached), 11 before.
    assert small <= 6
    assert LetterPdf.objects.filter(complaint=complaint, state=LetterPdf.State.PENDING).count() == 2
