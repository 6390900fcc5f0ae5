"""A new borrower signs up, files a complaint with two incidents and follows it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from complaints.models import Complaint, Status
from lib.sms import MemorySmsBackend

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_borrower_files_a_complaint_with_two_incidents(live_server, page: Page):
    requested_hosts = set()
    page.on("request", lambda r: requested_hosts.add(re.sub(r"^\w+://([^/]+).*$", r"\1", r.url)))

    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("#id_phone", "139 0000 1234")
    page.fill("#id_display_name", "小李")
    page.fill("#id_password1", "my long secret phrase")
    page.fill("#id_password2", "my long secret phrase")
    page.check("#id_accept_notice")
    page.locator("main form [type=submit]").click()

    # The number is proven first: the code comes by SMS (the test backend keeps it).
    expect(page).to_have_url(re.compile(r"/accounts/signup/verify/$"))
    expect(page.locator("main")).to_contain_text("139****1234")
    number, text = MemorySmsBackend.outbox[-1]
    assert number == "13900001234"
    page.fill("#id_code", re.search(r"\b(\d{6})\b", text).group(1))
    page.locator("main form [type=submit]").first.click()

    expect(page).to_have_url(re.compile(r"/complaints/new/$"))
    page.fill("#id_lender_name", "闪电借")
    page.fill("#id_summary", "催收人员打电话给我的父母和同事，说我是骗子。")
    page.check("input[name=desired_outcomes][value=stop_third_parties]")
    page.select_option("#id_province", "440000")

    page.fill("#id_incidents-0-occurred_at", "2026-11-20T21:30")
    page.select_option("#id_incidents-0-channel", "call")
    page.select_option("#id_incidents-0-kind", "third_parties")
    page.fill("#id_incidents-0-collector_id", "171 0000 1111")
    page.select_option("#id_incidents-0-contacted", "family")

    page.click("#add-incident")
    page.fill("#id_incidents-1-occurred_at", "2026-11-21T23:40")
    page.select_option("#id_incidents-1-channel", "sms")
    page.select_option("#id_incidents-1-kind", "night_calls")
    page.fill("#id_incidents-1-description", "半夜发短信威胁")

    page.check("#id_consent_sensitive")
    page.click("button[name=action][value=submit]")

    complaint = Complaint.objects.get()
    expect(page).to_have_url(re.compile(rf"/complaints/{complaint.reference}/$"))
    assert complaint.status == Status.SUBMITTED
    assert complaint.incidents.count() == 2
    expect(page.locator("#incidents .list-group-item")).to_have_count(2)
    expect(page.locator(".timeline > li")).to_have_count(2)

    page.goto(f"{live_server.url}/complaints/mine/")
    row = page.locator(".list-group-item", has_text=complaint.reference)
    expect(row).to_be_visible()
    row.click()
    expect(page.locator(".timeline")).to_contain_text("已提交")

    # Every request went to the app itself: no CDN, font or analytics host.
    assert requested_hosts == {live_server.url.split("://", 1)[1]}
