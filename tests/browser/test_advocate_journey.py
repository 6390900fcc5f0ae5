"""An advocate finds an overdue case in the queue, notes it, asks for evidence; the borrower sees the request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from complaints.models import Status
from tests.browser.conftest import horizontal_overflow, serious_accessibility_violations
from tests.factories import ComplaintFactory, IncidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fragments_stored(monkeypatch):
    """The names of the `{% fragment %}`s the pages store: caching is on here, as in
    production, so the journey checks what users get from the cache."""
    from django.core.cache import caches

    assert not settings.DEBUG, "fragments are not cached with DEBUG on"
    stored: list[str] = []
    # On the class: each thread (the live server's too) has its own cache object.
    backend = type(caches["default"])
    real_set = backend.set

    def recording_set(self, key, *args, **kwargs):
        if key.startswith("fragment:"):
            stored.append(key.split(":")[1])
        return real_set(self, key, *args, **kwargs)

    monkeypatch.setattr(backend, "set", recording_set)
    return stored


def test_advocate_finds_an_overdue_case_and_asks_for_evidence(
    live_server, page: Page, login_as, advocate, borrower, fragments_stored
):
    overdue = ComplaintFactory(
        filer=borrower, status=Status.WAITING_LENDER, next_due_at=timezone.now() - timedelta(days=2)
    )
    IncidentFactory(complaint=overdue)
    ComplaintFactory(status=Status.SUBMITTED)
    login_as(advocate)

    page.goto(live_server.url + reverse("cases:queue"))
    assert horizontal_overflow(page) <= 0
    assert serious_accessibility_violations(page) == []
    page.locator("main details summary").first.click()
    page.check("#id_overdue")
    page.locator("form[role=search] button[type=submit]").click()
    rows = page.locator(".list-group-item")
    expect(rows).to_have_count(1)
    rows.first.click()

    page.fill("#id_text", "先核实录音里的号码")
    page.locator("form[action$='/notes/'] button[type=submit]").click()
    expect(page.locator(".timeline")).to_contain_text("先核实录音里的号码")
    page.fill("#id_message", "请上传9月3日晚上的通话录音")
    page.locator("form[action$='/requests/'] button[type=submit]").click()
    expect(page.locator("#requests")).to_contain_text("请上传9月3日晚上的通话录音")
    assert horizontal_overflow(page) <= 0
    assert serious_accessibility_violations(page) == []

    page.context.clear_cookies()
    login_as(borrower)
    page.goto(live_server.url + overdue.get_absolute_url())
    expect(page.locator("#requests")).to_contain_text("请上传9月3日晚上的通话录音")
    expect(page.locator("body")).not_to_contain_text("先核实录音里的号码")
    page.fill("#requests textarea", "已上传")
    page.locator("#requests button[type=submit]").click()
    expect(page.locator("#requests")).to_contain_text("已上传")
    # The advocate's and the borrower's pages both came through cached fragments, and
    # neither got the other's: no internal note above, the case panel only for advocates.
    assert {"queue-rows", "timeline", "incidents"} <= set(fragments_stored)
    expect(page.locator("body")).not_to_contain_text("转交给")
