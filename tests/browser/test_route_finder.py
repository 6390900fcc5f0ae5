"""The public route finder on a phone: a borrower types the app, picks a province and
sees the lender of record and the regulator where it is registered, with no account."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from complaints.seed import lenders_seed
from tests.browser.conftest import horizontal_overflow, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_borrower_finds_whom_to_complain_to_on_a_phone(live_server, page: Page, seeded):
    lenders_seed()
    page.goto(live_server.url + reverse("home"))

    page.get_by_role("link", name="我的App该向谁投诉").click()
    page.get_by_label("App、品牌或贷款机构").fill("安逸花")
    page.get_by_label("您所在的省份").select_option("440000")
    page.get_by_label("威胁").check()
    page.get_by_role("button", name="查看投诉路线").click()

    route = page.locator("section[aria-labelledby='route-title']")
    expect(route).to_contain_text("马上消费金融股份有限公司")
    expect(route).to_contain_text("国家金融监督管理总局重庆监管局")
    expect(route).to_contain_text("110")
    assert "广东省地方金融管理局" not in route.inner_text()
    assert horizontal_overflow(page) <= 0
    assert serious_accessibility_violations(page) == []
