"""One language per directory page: no English subtitles in Chinese, and a note in the other
language says that it is all there is."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import RegulatorFactory

pytestmark = pytest.mark.django_db

URL = reverse("regulators:directory")


@pytest.fixture
def bodies():
    RegulatorFactory(name_zh="甲监管局", name_en="Bureau A", notes="只有中文说明", notes_en="")
    RegulatorFactory(name_zh="乙监管局", name_en="Bureau B", notes="", notes_en="English only note")


def english(client) -> None:
    client.post(reverse("set_language"), {"language": "en", "next": "/"})


def test_the_chinese_page_has_no_english_subtitles(client, bodies):
    page = client.get(URL).content.decode()

    assert "甲监管局" in page and "Bureau A" not in page


def test_the_english_page_gives_the_english_name_beside_the_official_one(client, bodies):
    english(client)

    page = client.get(URL).content.decode()

    assert "甲监管局" in page and "Bureau A" in page


def test_a_chinese_only_note_says_so_in_english(client, bodies):
    english(client)

    page = client.get(URL).content.decode()

    assert "This note exists only in Chinese:" in page
    assert "只有中文说明" in page
    assert "English only note" in page and "This note exists only in English" not in page


def test_an_english_only_note_says_so_in_chinese(client, bodies):
    page = client.get(URL).content.decode()

    assert "English only note" in page
    assert "这段说明只有英文" in page
