"""The legal step page and the conduct-rule badges at a phone's width, in Chromium."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page

from complaints.models import Channel, ContactedParty, HarassmentKind, Status
from escalations.seed import conduct_rules_seed
from regulators.services import regulators_seed
from tests.browser.conftest import PHONE, horizontal_overflow, serious_accessibility_violations
from tests.escalations.conftest import CST, add_evidence
from tests.factories import ComplaintFactory, IncidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "zh-CN", "viewport": PHONE}


@pytest.fixture
def log_in(live_server, context):
    """A logged-in session in the browser (as tests/browser/conftest.py's log_in)."""

    def log_in(user) -> None:
        client = Client()
        client.force_login(user)
        cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
        context.add_cookies([cookie])

    return log_in


@pytest.fixture
def complaint(borrower):
    regulators_seed()
    conduct_rules_seed()
    complaint = ComplaintFactory(filer=borrower, status=Status.WAITING_LENDER, province="440000")
    # Enough to make every kind of badge: night, third parties, threats, a possible breach.
    IncidentFactory(
        complaint=complaint,
        occurred_at=datetime(2026, 11, 20, 23, 30, tzinfo=CST),
        channel=Channel.CALL,
        kind=HarassmentKind.THREATS,
        contacted=ContactedParty.FAMILY,
        collector_id="+86-171-0000-1111-very-long-account-name-without-spaces",
        description="一段很长的描述" * 20,
    )
    IncidentFactory(
        complaint=complaint,
        occurred_at=datetime(2026, 11, 21, 15, 0, tzinfo=CST),
        channel=Channel.VISIT,
        kind=HarassmentKind.VISIT,
    )
    IncidentFactory(
        complaint=complaint,
        occurred_at=datetime(2026, 11, 22, 9, 0, tzinfo=CST),
        channel=Channel.LETTER,
        kind=HarassmentKind.IMPERSONATION,
    )
    add_evidence(
        complaint, "一个名字非常非常非常非常非常非常长的通话录音文件.png", "ab" * 32, caption="催收电话"
    )
    complaint.escalations.create(
        lender=complaint.lender, channel="app", sent_at=datetime(2026, 11, 23, tzinfo=CST), reference="KF-1"
    )
    return complaint


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_legal_step_page_fits_a_phone(live_server, page: Page, log_in, borrower, complaint, language):
    log_in(borrower)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])

    response = page.goto(live_server.url + reverse("regulators:legal_step", args=[complaint.reference]))

    assert response is not None and response.status == 200
    assert horizontal_overflow(page) <= 0
    assert serious_accessibility_violations(page) == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_badges_fit_a_phone_and_open_their_sources(
    live_server, page: Page, log_in, borrower, complaint, language
):
    log_in(borrower)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(live_server.url + complaint.get_absolute_url())

    # Open every "which rules" box: the sources inside must fit too.
    for summary in page.locator(".breaches details > summary").all():
        summary.click()

    assert page.locator(".breach-badge").count() >= 5
    assert page.locator(".breaches details[open]").count() == 3
    assert horizontal_overflow(page) <= 0
    assert serious_accessibility_violations(page) == []
