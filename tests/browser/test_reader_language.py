"""Issue 17, item 9, in a browser on a phone: the same timeline and the same notification
read in Chinese or in English, by the reader's choice, whoever caused them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from complaints.models import LicenceType, Status
from escalations import services as svc
from escalations.models import EscalationChannel
from lib.china import CHINA_TZ
from notifications import services as notices
from notifications.models import Kind
from tests.browser.conftest import serious_accessibility_violations
from tests.factories import ComplaintFactory, IncidentFactory, LenderFactory, RegulatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SENT = datetime(2026, 11, 6, 10, 0, tzinfo=CHINA_TZ)
SAID = {
    "zh-hans": ("通过 热线电话 发送给 国家金融监督管理总局", "国家金融监督管理总局 须在 2026-11-27 前答复"),
    "en": (
        "Sent to National Financial Regulatory Administration (Hotline) on 2026-11-06.",
        "National Financial Regulatory Administration must answer by 2026-11-27",
    ),
}


@pytest.fixture
def case(borrower):
    bank = LenderFactory(name="某某银行", licence_type=LicenceType.BANK)
    complaint = ComplaintFactory(filer=borrower, lender=bank, status=Status.SUBMITTED)
    IncidentFactory(complaint=complaint)
    nfra = RegulatorFactory(
        kind="nfra", name_zh="国家金融监督管理总局", name_en="National Financial Regulatory Administration"
    )
    # Recorded by someone using the app in English.
    with translation.override("en"):
        svc.escalation_record(
            complaint=complaint,
            actor=borrower,
            regulator=nfra,
            channel=EscalationChannel.HOTLINE,
            sent_at=SENT,
            now=SENT + timedelta(hours=1),
        )
    due = notices.Due(
        borrower,
        Kind.ESCALATION_DUE_SOON,
        1,
        SENT,
        complaint,
        {
            "target": "国家金融监督管理总局",
            "target_en": "National Financial Regulatory Administration",
            "date": "2026-11-27",
            "estimate": False,
        },
    )
    with translation.override("zh-hans"):
        notices.reminder_create(due, now=SENT)
    return complaint


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_timeline_and_the_inbox_read_in_the_readers_language(
    live_server, page: Page, login_as, borrower, case, language
):
    login_as(borrower)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    timeline, notice = SAID[language]
    other_timeline, other_notice = SAID["en" if language == "zh-hans" else "zh-hans"]

    page.goto(live_server.url + case.get_absolute_url())
    expect(page.locator(".timeline")).to_contain_text(timeline)
    expect(page.locator(".timeline")).not_to_contain_text(other_timeline)
    assert serious_accessibility_violations(page) == []

    page.goto(live_server.url + reverse("notifications:inbox"))
    expect(page.locator(".list-group")).to_contain_text(notice)
    expect(page.locator(".list-group")).not_to_contain_text(other_notice)
    assert serious_accessibility_violations(page) == []
