"""A phone-only borrower who forgot the password gets back in by SMS, on a phone."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import horizontal_overflow, serious_accessibility_violations
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_forgotten_password_is_reset_by_sms(live_server, page: Page, sms_outbox, language):
    UserFactory(phone="13912345678", username="13912345678", email="")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    new = "a new and long enough secret"

    page.goto(live_server.url + reverse("login"))
    page.locator(f"a[href='{reverse('password_reset_sms')}']").click()
    assert serious_accessibility_violations(page) == []
    page.locator("#id_phone").fill("139 1234 5678")
    page.locator("main form button[type=submit]").click()

    expect(page.locator("h1")).to_be_visible()
    assert page.url.endswith(reverse("password_reset_sms_confirm"))
    assert horizontal_overflow(page) <= 0
    assert serious_accessibility_violations(page) == []
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1][1]).group(1)
    page.locator("#id_code").fill(code)
    page.locator("#id_new_password1").fill(new)
    page.locator("#id_new_password2").fill(new)
    page.locator("main form [type=submit]").first.click()

    expect(page).to_have_url(re.compile(re.escape(reverse("login")) + "$"))
    page.locator("#id_username").fill("13912345678")
    page.locator("#id_password").fill(new)
    page.locator("main form [type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(reverse("complaints:mine")) + "$"))
