"""A borrower sends a submitted complaint to the lender, then to a regulator, and prints the letter."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from complaints.models import HarassmentKind, LicenceType, Province, Status
from escalations.models import Escalation, EscalationStatus
from regulators.services import regulators_seed
from tests.factories import ComplaintFactory, IncidentFactory, LenderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_borrower_escalates_from_the_lender_to_a_regulator(live_server, page: Page, login_as, borrower):
    regulators_seed()
    bank = LenderFactory(name="某某银行", licence_type=LicenceType.BANK)
    complaint = ComplaintFactory(
        filer=borrower, lender=bank, status=Status.SUBMITTED, province=Province.GUANGDONG
    )
    IncidentFactory(complaint=complaint, kind=HarassmentKind.THIRD_PARTIES, description="打电话给我妈妈")
    requested_hosts = set()
    page.on("request", lambda r: requested_hosts.add(re.sub(r"^\w+://([^/]+).*$", r"\1", r.url)))
    login_as(borrower)
    today = timezone.localdate().isoformat()

    # Step one: the lender. The form offers the route's first step.
    page.goto(f"{live_server.url}{complaint.get_absolute_url()}")
    form = page.locator("#escalation-form")
    expect(form.locator("#escalation_target")).to_have_value(f"lender-{bank.pk}")
    form.locator("#escalation_channel").select_option("app")
    form.locator("#escalation_sent_on").fill(today)
    form.locator("#escalation_reference").fill("KF-001")
    form.locator("[type=submit]").click()

    expect(page.locator("#escalations .escalation")).to_have_count(1)
    complaint.refresh_from_db()
    assert complaint.status == Status.WAITING_LENDER
    assert complaint.next_due_at is not None

    # Step two: the lender did not help; the form now offers the regulator.
    form = page.locator("#escalation-form")
    regulator_key = form.locator("#escalation_target").input_value()
    assert regulator_key.startswith("regulator-")
    form.locator("#escalation_channel").select_option("hotline")
    form.locator("#escalation_sent_on").fill(today)
    form.locator("[type=submit]").click()

    expect(page.locator("#escalations .escalation")).to_have_count(2)
    complaint.refresh_from_db()
    assert complaint.status == Status.WAITING_REGULATOR
    regulator_escalation = Escalation.objects.get(regulator__isnull=False)
    assert regulator_escalation.status == EscalationStatus.SENT
    assert "国家金融监督管理" in regulator_escalation.regulator.name_zh

    # The printable letter to the regulator names it, the lender step and the incident.
    page.locator(f"#escalation-{regulator_escalation.pk} a.letter-link").click()
    expect(page).to_have_url(re.compile(rf"/letters/{regulator_key}/$"))
    letter = page.locator("article.letter-body")
    expect(letter).to_contain_text(f"{regulator_escalation.regulator.name_zh}：")
    expect(letter).to_contain_text("打电话给我妈妈")
    expect(letter).to_contain_text("向某某银行投诉（编号：KF-001）")
    expect(page.locator("#print-letter")).to_be_visible()

    assert requested_hosts == {live_server.url.split("://", 1)[1]}
