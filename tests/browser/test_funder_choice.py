"""On a phone, the filing form asks "which of these is on your contract?" as soon as the
borrower types the app, and the lender they tick is the complaint's funder."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from complaints.models import Complaint
from complaints.seed import lenders_seed
from tests.browser.conftest import horizontal_overflow, serious_accessibility_violations
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_the_app_offers_its_lenders_to_tick(live_server, page: Page, login_as):
    lenders_seed()
    borrower = UserFactory(phone="13900007777")
    login_as(borrower)
    page.goto(f"{live_server.url}/complaints/new/")
    question = page.locator("#funder-choice")
    expect(question).to_be_hidden()

    page.fill("#id_lender_name", "anyihua")
    page.locator("#id_lender_name").blur()

    expect(question).to_be_visible()
    page.get_by_label("马上消费金融股份有限公司", exact=False).check()
    assert horizontal_overflow(page) <= 0
    assert serious_accessibility_violations(page) == []
    page.fill("#id_summary", "催收人员打电话给我的同事。")
    page.click("button[name=action][value=draft]")

    expect(page.locator("#funder-choice input:checked")).to_have_count(1)
    complaint = Complaint.objects.get()
    assert complaint.lender.name == "安逸花"
    assert complaint.funding_institution.name == "马上消费金融股份有限公司"
