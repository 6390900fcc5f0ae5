"""A borrower sends the letter from the app after seeing the email, and copies a letter
for a regulator's web form where the app cannot email."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Page, expect

from complaints.models import HarassmentKind, LicenceType, Province, Status
from escalations.models import Escalation, EscalationStatus
from tests.browser.conftest import serious_accessibility_violations
from tests.factories import (
    ComplaintFactory,
    IncidentFactory,
    InstitutionFactory,
    LenderFactory,
    RegulatorFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_borrower_sends_the_letter_from_the_app(
    live_server, page: Page, login_as, borrower, tasks_run_here
):
    funder = InstitutionFactory(
        name="某某消费金融有限公司",
        licence_type=LicenceType.CONSUMER_FINANCE,
        province=Province.CHONGQING,
        complaint_email="tousu@funder.example.cn",
    )
    lender = LenderFactory(name="闪电借", licence_type=LicenceType.PLATFORM)
    complaint = ComplaintFactory(
        filer=borrower, lender=lender, funding_institution=funder, status=Status.SUBMITTED
    )
    IncidentFactory(complaint=complaint, kind=HarassmentKind.THIRD_PARTIES, description="打电话给我妈妈")
    login_as(borrower)

    page.goto(f"{live_server.url}{complaint.get_absolute_url()}")
    card = page.locator("#next-step")
    expect(card).to_contain_text("还没有发给")
    card.get_by_role("link", name="通过本平台发送").click()

    expect(page.locator(".to-address")).to_have_text("tousu@funder.example.cn")
    expect(page.locator(".email-body")).to_contain_text("打电话给我妈妈")
    expect(page.locator(".email-body")).not_to_contain_text(borrower.phone)
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="发送这封邮件").click()

    expect(page.locator("#escalations .escalation")).to_have_count(1)
    escalation = Escalation.objects.get()
    assert escalation.status == EscalationStatus.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].reply_to == [f"reply+{escalation.reply_token}@localhost"]


def test_a_borrower_copies_the_letter_for_a_web_form(
    live_server, page: Page, login_as, borrower, tasks_run_here
):
    regulator = RegulatorFactory(
        kind="nfra", email="", hotline="12378", website="https://www.example.cn/12378"
    )
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    IncidentFactory(complaint=complaint, kind=HarassmentKind.THREATS, description="说要来家里找我")
    login_as(borrower)

    page.goto(
        live_server.url
        + reverse("regulators:letter_guide", args=[complaint.reference, f"regulator-{regulator.pk}"])
    )
    expect(page.locator('a[href="tel:12378"]')).to_be_visible()
    expect(page.locator("#letter-text")).to_contain_text("说要来家里找我")
    # Checked before the click: mid-way through the button's hover transition its colours
    # are neither the old nor the new ones.
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="复制投诉信").click()
    expect(page.locator("#copy-status")).to_contain_text("已复制")
    page.get_by_role("button", name="我已发送").click()

    expect(page.locator("#escalations .escalation")).to_have_count(1)
    assert Escalation.objects.get().regulator == regulator
