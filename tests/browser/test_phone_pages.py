"""Every page at a phone's width: no sideways scrolling, no serious accessibility issue."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from complaints.models import Status
from tests.browser.conftest import horizontal_overflow, serious_accessibility_violations
from tests.factories import ComplaintFactory, IncidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC = [
    "home",
    "login",
    "signup",
    "password_reset",
    "regulators:directory",
    "regulators:route",
    "cases:public_stats",
    "privacy",
]


def check(page: Page, url: str) -> list[str]:
    response = page.goto(url)
    problems = []
    if response is None or response.status != 200:
        problems.append(f"{url}: status {response and response.status}")
    overflow = horizontal_overflow(page)
    if overflow > 0:
        problems.append(f"{url}: {overflow}px wider than the phone")
    problems += [f"{url}: {v}" for v in serious_accessibility_violations(page)]
    return problems


def test_public_pages_fit_a_phone(live_server, page: Page):
    problems = []
    for name in PUBLIC:
        problems += check(page, live_server.url + reverse(name))

    assert problems == []


def test_borrower_pages_fit_a_phone(live_server, page: Page, login_as, borrower):
    submitted = ComplaintFactory(
        filer=borrower,
        status=Status.WAITING_LENDER,
        summary="一段很长的描述" * 40,
    )
    IncidentFactory(
        complaint=submitted, collector_id="+86-171-0000-1111-very-long-account-name-without-spaces"
    )
    draft = ComplaintFactory(filer=borrower, status=Status.DRAFT)
    login_as(borrower)

    problems = []
    for url in [
        reverse("complaints:mine"),
        reverse("complaints:create"),
        reverse("complaints:detail", args=[submitted.reference]),
        reverse("complaints:add_incident", args=[submitted.reference]),
        reverse("complaints:edit", args=[draft.reference]),
        reverse("password_change"),
        reverse("my_data"),
        reverse("notifications:inbox"),
        reverse("notifications:preferences"),
        reverse("two_factor_setup"),
        reverse("evidence:manifest", args=[submitted.reference]),
    ]:
        problems += check(page, live_server.url + url)

    assert problems == []


def test_the_english_pages_fit_a_phone_too(live_server, page: Page, login_as, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    login_as(borrower)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])

    problems = []
    for url in [reverse("home"), reverse("complaints:create"), complaint.get_absolute_url()]:
        problems += check(page, live_server.url + url)

    assert problems == []


def test_caseworker_pages_fit_a_phone(live_server, page: Page, login_as, advocate, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.UNDER_REVIEW, assignee=advocate)
    IncidentFactory(complaint=complaint, collector_id="17100001111", collector_id_normalized="17100001111")
    IncidentFactory(
        complaint=ComplaintFactory(status=Status.SUBMITTED), collector_id_normalized="17100001111"
    )
    login_as(advocate)

    problems = []
    for url in [
        reverse("cases:queue"),
        reverse("cases:queue") + "?status=under_review&assigned=me&sort=due",
        reverse("cases:dashboard"),
        reverse("cases:collector", args=["17100001111"]),
        complaint.get_absolute_url(),
    ]:
        problems += check(page, live_server.url + url)

    assert problems == []
