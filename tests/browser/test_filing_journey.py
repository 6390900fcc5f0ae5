"""A new borrower signs up, files a complaint with two incidents (one of them a series of
calls, logged as one entry) and follows it; evidence uploaded with JavaScript shows up in
the list and the count at once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from complaints.models import Complaint, Status
from evidence.models import Evidence
from lib.sms import MemorySmsBackend
from tests.evidence import files

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_borrower_files_a_complaint_with_two_incidents(live_server, page: Page, conduct_rules):
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
    # A contact-list blast: thirty calls from three numbers, in one entry. The series part
    # folds away until asked for.
    expect(page.locator("#id_incidents-0-series_count")).to_be_hidden()
    page.locator(".incident-series summary").first.click()
    page.fill("#id_incidents-0-ended_at", "2026-11-20T23:10")
    page.fill("#id_incidents-0-series_count", "30")
    page.fill("#id_incidents-0-series_numbers", "171 0000 1111\n+86 171-0000-2222， 17100003333")

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
    series = page.locator("#incidents .list-group-item").first
    expect(series).to_contain_text("30")
    expect(series).to_contain_text("3 个号码")
    # The rule checks count the thirty calls (over NIFA's 3 a day) and the ones after 22:00.
    expect(series).to_contain_text("每日接通的催收电话超过上限")
    expect(series).to_contain_text("夜间催收")
    assert sorted(complaint.incidents.get(series_count=30).numbers.values_list("number", flat=True)) == [
        "17100001111",
        "17100002222",
        "17100003333",
    ]

    # Evidence uploaded with JavaScript: the verdicts, the list and the count agree at once.
    expect(page.locator("#evidence-title .badge")).to_have_text("0")
    page.set_input_files(
        "#evidence-files",
        [
            {"name": "通讯录轰炸.png", "mimeType": "image/png", "buffer": files.png((1080, 2400))},
            {"name": "短信.png", "mimeType": "image/png", "buffer": files.png()},
        ],
    )
    page.click("#evidence-submit")
    expect(page.locator("#evidence-progress li").nth(1)).to_contain_text("已接受")
    expect(page.locator("#evidence-title .badge")).to_have_text("2")
    expect(page.locator("#evidence")).to_contain_text("通讯录轰炸.png")
    expect(page.locator("#evidence")).not_to_contain_text("还没有证据")
    expect(page.locator('.page-sections a[href="#evidence"]')).to_contain_text("2")
    expect(page.locator("#evidence-progress li").first).to_contain_text("已接受")  # the verdicts stay
    assert Evidence.objects.filter(complaint=complaint).count() == 2
    expect(page.locator(".timeline > li")).to_have_count(2)

    page.goto(f"{live_server.url}/complaints/mine/")
    row = page.locator(".list-group-item", has_text=complaint.reference)
    expect(row).to_be_visible()
    row.click()
    expect(page.locator(".timeline")).to_contain_text("已提交")

    # Every request went to the app itself: no CDN, font or analytics host.
    assert requested_hosts == {live_server.url.split("://", 1)[1]}
