"""On a phone, the complaint page starts with the one thing to do next, and a form that
fails comes back where it was, with what was typed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from complaints.models import HarassmentKind, LicenceType, Province, Status
from regulators.services import regulators_seed
from tests.browser.conftest import PHONE, horizontal_overflow, serious_accessibility_violations
from tests.factories import ComplaintFactory, IncidentFactory, LenderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submitted_complaint(borrower):
    regulators_seed()
    lender = LenderFactory(name="某某银行", licence_type=LicenceType.BANK, service_phone="95555")
    complaint = ComplaintFactory(
        filer=borrower,
        lender=lender,
        status=Status.SUBMITTED,
        province=Province.GUANGDONG,
        summary="一段很长的描述" * 40,
    )
    for _ in range(3):
        IncidentFactory(complaint=complaint, kind=HarassmentKind.THIRD_PARTIES, description="打电话给我妈妈")
    return complaint


@pytest.mark.parametrize(
    ("language", "button"), [("zh-hans", "打开写给某某银行的投诉信"), ("en", "Open the letter to 某某银行")]
)
def test_the_next_step_is_on_the_first_screen(live_server, page: Page, login_as, borrower, language, button):
    complaint = submitted_complaint(borrower)
    login_as(borrower)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])

    page.goto(f"{live_server.url}{complaint.get_absolute_url()}")

    card = page.locator("#next-step")
    primary = card.locator(".next-step-button")
    expect(primary).to_have_text(button)
    box = primary.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"]
    expect(card.get_by_role("link", name="95555")).to_have_attribute("href", "tel:95555")
    assert horizontal_overflow(page) <= 0
    assert serious_accessibility_violations(page) == []

    primary.click()
    letter = reverse("regulators:letter", args=[complaint.reference, f"lender-{complaint.lender_id}"])
    expect(page).to_have_url(f"{live_server.url}{letter}")


def test_waiting_shows_the_days_left(live_server, page: Page, login_as, borrower):
    complaint = submitted_complaint(borrower)
    login_as(borrower)
    page.goto(f"{live_server.url}{complaint.get_absolute_url()}")
    form = page.locator("#escalation-form")
    form.locator("#escalation_channel").select_option("app")
    form.locator("#escalation_sent_on").fill(timezone.localdate().isoformat())
    form.locator("[type=submit]").click()

    due = page.locator("#next-step .due")
    expect(due).to_contain_text("还有")
    expect(due).to_contain_text("当天 24:00 前")
    expect(page.locator("#escalations .escalation .due")).to_contain_text("当天 24:00 前")


def test_a_bad_date_is_shown_beside_the_form_with_everything_kept(
    live_server, page: Page, login_as, borrower
):
    complaint = submitted_complaint(borrower)
    login_as(borrower)
    page.goto(f"{live_server.url}{complaint.get_absolute_url()}")
    form = page.locator("#escalation-form")
    target = form.locator("#escalation_target").input_value()
    form.locator("#escalation_channel").select_option("email")
    form.locator("#escalation_sent_on").fill((timezone.localdate() + timedelta(days=3)).isoformat())
    form.locator("#escalation_reference").fill("TS-778")
    form.locator("[type=submit]").click()

    form = page.locator("#escalation-form")
    expect(form.locator(".invalid-feedback, .is-invalid").first).to_be_visible()
    expect(form.locator("#escalation_target")).to_have_value(target)
    expect(form.locator("#escalation_channel")).to_have_value("email")
    expect(form.locator("#escalation_reference")).to_have_value("TS-778")
    # The note at the top of the page takes a phone user to the form.
    page.locator("#form-problem a").click()
    expect(form.locator("#escalation_reference")).to_be_in_viewport()
    assert serious_accessibility_violations(page) == []
