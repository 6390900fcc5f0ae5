"""The menu on a phone is a <details>: it opens, and its links and forms work, with
JavaScript switched off."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from notifications.models import Kind, Reminder
from tests.browser.conftest import PHONE, serious_accessibility_violations
from tests.factories import ComplaintFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page_without_js(browser: Browser, live_server, borrower):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="zh-CN")
    client = Client()
    client.force_login(borrower)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    yield context.new_page()
    context.close()


def test_the_menu_works_without_javascript(live_server, page_without_js: Page):
    page = page_without_js
    page.goto(live_server.url + reverse("home"))
    menu = page.locator("details.nav-menu")
    expect(menu.get_by_role("link", name="我的投诉")).to_be_hidden()

    menu.locator("summary").click()
    menu.get_by_role("link", name="我的投诉").click()
    expect(page).to_have_url(live_server.url + reverse("complaints:mine"))

    page.locator("details.nav-menu summary").click()
    page.locator("details.nav-menu").get_by_role("link", name="我的数据").click()
    expect(page).to_have_url(live_server.url + reverse("my_data"))

    page.locator("details.nav-menu summary").click()
    page.locator("details.nav-menu").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.locator("details.nav-menu summary").click()
    page.locator("details.nav-menu").get_by_role("button", name="Log out").click()
    page.goto(live_server.url + reverse("complaints:mine"))
    assert reverse("login") in page.url


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_open_menu_is_accessible(live_server, page: Page, login_as, borrower, language):
    login_as(borrower)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(live_server.url + reverse("complaints:mine"))

    page.locator("details.nav-menu summary").click()

    expect(page.locator("details.nav-menu .nav-menu-panel")).to_be_visible()
    assert serious_accessibility_violations(page) == []


def test_unread_notifications_are_legible(live_server, page: Page, login_as, borrower):
    complaint = ComplaintFactory(filer=borrower)
    Reminder.objects.create(
        recipient=borrower,
        kind=Kind.choices[0][0],
        object_id=complaint.pk,
        complaint=complaint,
        due_at=timezone.now(),
        title="贷款机构的答复期限快到了",
        body="请查看投诉进展。",
        link=complaint.get_absolute_url(),
    )
    login_as(borrower)

    page.goto(live_server.url + reverse("notifications:inbox"))

    expect(page.get_by_role("button", name="标记为已读", exact=True)).to_be_visible()
    assert serious_accessibility_violations(page) == []
