"""The directory at a phone's width, in Chromium: no sideways scrolling, no serious a11y issue."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from regulators.services import regulators_seed
from tests.browser.conftest import PHONE, horizontal_overflow, serious_accessibility_violations
from tests.factories import RegulatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "zh-CN", "viewport": PHONE}


@pytest.mark.parametrize(
    "query",
    ["", "?province=440000", "?province=440000&kind_of_harm=third_parties&q=12377", "?q=nothing-matches"],
)
def test_it_fits_a_phone(live_server, page: Page, query):
    regulators_seed()
    RegulatorFactory(
        name_zh="一个名字非常非常非常非常非常非常长的地方金融监督管理机构",
        name_en="A-very-long-English-name-without-any-spaces-that-could-push-the-page-sideways",
        website="https://example.org/a/very/long/path/that/does/not/break/easily/on/a/small/phone/screen",
        email="a.very.long.address.for.complaints@some-regulator.example.org",
        postal_address="广东省广州市某某区某某路某某号某某大厦某某楼某某室",
    )

    response = page.goto(live_server.url + reverse("regulators:directory") + query)

    assert response is not None and response.status == 200
    assert horizontal_overflow(page) <= 0
    assert serious_accessibility_violations(page) == []
