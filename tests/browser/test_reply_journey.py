"""Send → reply → the borrower sees it (issue 16), on a phone: the borrower sends the
letter from the app, the lender's answer comes back through `manage.py receive_mail` as
its mail server would pipe it, and after a reload the answer is in the case and the bell
counts it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from complaints.models import HarassmentKind, LicenceType, Province, Status
from escalations.models import Escalation, EscalationStatus
from tests.browser.conftest import horizontal_overflow, serious_accessibility_violations
from tests.escalations.test_mail_round_trip import ANSWER, lender_reply
from tests.evidence.files import pdf
from tests.factories import ComplaintFactory, IncidentFactory, InstitutionFactory, LenderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_borrower_sends_and_sees_the_reply(
    live_server, page: Page, login_as, borrower, advocate, tmp_path, tasks_run_here
):
    funder = InstitutionFactory(
        name="某某消费金融有限公司",
        licence_type=LicenceType.CONSUMER_FINANCE,
        province=Province.CHONGQING,
        complaint_email="tousu@funder.example.cn",
    )
    lender = LenderFactory(name="闪电借", licence_type=LicenceType.PLATFORM)
    complaint = ComplaintFactory(
        filer=borrower, lender=lender, funding_institution=funder, status=Status.SUBMITTED, assignee=advocate
    )
    IncidentFactory(complaint=complaint, kind=HarassmentKind.THIRD_PARTIES, description="打电话给我妈妈")
    login_as(borrower)

    page.goto(f"{live_server.url}{complaint.get_absolute_url()}")
    page.locator("#next-step").get_by_role("link", name="通过本平台发送").click()
    page.get_by_role("button", name="发送这封邮件").click()
    expect(page.locator("#escalations .escalation")).to_have_count(1)
    assert Escalation.objects.get().status == EscalationStatus.SENT
    sent = mail.outbox[0].message()

    # The lender answers; its mail server pipes the reply to the command.
    eml = tmp_path / "reply.eml"
    eml.write_bytes(lender_reply(sent, to=str(sent["Reply-To"]).upper(), attachment=pdf()))
    call_command("receive_mail", str(eml))

    page.reload()
    escalations = page.locator("#escalations")
    expect(escalations).to_contain_text(ANSWER)
    expect(escalations).to_contain_text("处理结果.pdf")
    # The bell on a phone: the menu bar's button with its count.
    bell = page.locator("header a[href$='/notifications/']").filter(has=page.locator(".badge")).first
    expect(bell.locator(".badge")).to_have_text("1")
    assert horizontal_overflow(page) <= 0
    bell.click()
    notice = page.locator(".list-group-item").first
    expect(notice).to_contain_text(f"投诉 {complaint.reference} 收到了答复")
    assert serious_accessibility_violations(page) == []
    notice.get_by_role("button", name="打开").click()
    expect(page.locator("#escalations")).to_contain_text(ANSWER)
