"""A borrower uploads a recording and a screenshot from the complaint page and sees both."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError
from playwright.sync_api import Page, expect

from complaints.models import Status
from evidence import services
from evidence.models import Evidence
from tests.evidence import files
from tests.factories import ComplaintFactory, IncidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_a_recording_and_a_screenshot(live_server, page: Page, login_as, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    IncidentFactory(complaint=complaint)
    login_as(borrower)
    page.goto(live_server.url + complaint.get_absolute_url())

    page.set_input_files(
        "#evidence-files",
        [
            {"name": "催收电话.wav", "mimeType": "audio/wav", "buffer": files.audio("wav", seconds=2)},
            {"name": "短信截图.png", "mimeType": "image/png", "buffer": files.png((800, 1200))},
            {
                "name": "evil.png",
                "mimeType": "image/png",
                "buffer": b"<html><script>alert(1)</script></html>",
            },
        ],
    )
    page.click("#evidence-submit")

    progress = page.locator("#evidence-progress li")
    expect(progress.nth(0)).to_contain_text("已接受")
    expect(progress.nth(1)).to_contain_text("已接受")
    expect(progress.nth(2)).to_contain_text("不接受")
    assert Evidence.objects.count() == 2
    # The test plays the Celery worker (in CI's Redis pass no worker runs beside the tests),
    # and retries as its task does: on SQLite the test database is shared in memory with
    # table locks, and a write beside the server's read of the same table (the page
    # fetching its new list) fails at once instead of waiting.
    for evidence in Evidence.objects.all():
        for attempt in range(20):
            try:
                services.evidence_process(evidence_id=evidence.pk)
                break
            except OperationalError:
                if attempt == 19:
                    raise
                time.sleep(0.1)

    # The list and the count follow at once, beside the verdicts (the refused one too).
    expect(page.locator("#evidence-title .badge")).to_have_text("2")
    expect(progress.nth(2)).to_contain_text("不接受")
    page.reload()
    thumbnail = page.locator("img.evidence-thumb")
    expect(thumbnail).to_have_count(1)
    expect(page.locator("#evidence audio")).to_have_count(1)
    page.wait_for_function("() => document.querySelector('img.evidence-thumb').naturalWidth > 0")
    natural = page.evaluate("() => document.querySelector('img.evidence-thumb').naturalHeight")
    assert natural == 800  # 800×1200 cut from the top to 4:5, 640 wide
    playable = page.evaluate(
        "async () => { const a = document.querySelector('#evidence audio'); a.preload = 'auto'; a.load();"
        " await new Promise(r => a.addEventListener('loadedmetadata', r, {once: true})); return a.duration; }"
    )
    assert playable == pytest.approx(2.0, abs=0.2)
