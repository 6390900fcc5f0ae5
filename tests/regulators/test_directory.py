"""The public directory at /regulators/: open to all, filtered by GET so it can be bookmarked."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from regulators.models import Regulator
from tests.factories import RegulatorFactory

pytestmark = pytest.mark.django_db

URL = reverse("regulators:directory")


def shown(response) -> set[str]:
    return {r.seed_key or r.name_zh for r in response.context["page"].object_list}


def test_it_lives_at_regulators():
    assert URL == "/regulators/"


def test_it_opens_without_logging_in(client, seeded):
    response = client.get(URL)

    assert response.status_code == 200
    assert response.context["count"] == Regulator.objects.count()
    page = response.content.decode()
    assert "国家金融监督管理总局" in page
    # One language per page: the English name is for English readers (test_directory_language).
    assert "National Financial Regulatory Administration" not in page


def test_it_links_hotlines_for_phones(client):
    RegulatorFactory(hotline="+86 (10) 1234-5678")

    page = client.get(URL).content.decode()

    assert 'href="tel:+861012345678"' in page


def test_it_shows_the_deadline_and_its_source(client, seeded):
    page = client.get(URL, {"q": "12315"}).content.decode()

    assert "第14条" in page
    assert "LawRefBook" in page


def test_it_shows_a_provinces_offices_with_the_national_bodies(client, seeded):
    response = client.get(URL, {"province": "440000"})

    keys = shown(response)
    assert {"lfb-440000", "nfra-440000", "nfra", "police-110", "legal-aid-12348"} <= keys
    assert not any(k.endswith("-110000") for k in keys)
    assert len(keys) == 9 + 2


def test_it_shows_the_bodies_for_a_kind_of_harm(client, seeded):
    keys = shown(client.get(URL, {"province": "440000", "kind_of_harm": "night_calls"}))

    # 12321 takes night calls; bodies covering every kind stay; the police and 网信办 go.
    assert {"miit-12321", "nfra", "lfb-440000", "legal-aid-12348"} <= keys
    assert not {"police-110", "cac-12377", "samr-12315", "pboc"} & keys


def test_it_searches_names_hotlines_and_notes(client, seeded):
    assert shown(client.get(URL, {"q": "12377"})) == {"cac-12377"}
    assert shown(client.get(URL, {"q": "legal aid"})) == {"legal-aid-12348"}
    assert shown(client.get(URL, {"q": "广东"})) == {"lfb-440000", "nfra-440000"}


def test_it_hides_inactive_entries(client):
    RegulatorFactory(name_zh="在用")
    RegulatorFactory(name_zh="已停用", active=False)

    assert shown(client.get(URL)) == {"在用"}


def test_it_says_so_when_nothing_matches(client, seeded):
    response = client.get(URL, {"q": "没有这个机构"})

    assert response.context["count"] == 0
    page = response.content.decode()
    assert 'id="directory-empty"' in page
    assert f'href="{URL}"' in page


def test_it_ignores_a_province_it_does_not_know(client, seeded):
    response = client.get(URL, {"province": "999999", "q": "12378"})

    assert response.status_code == 200
    assert "province" in response.context["form"].errors
    assert "nfra" in shown(response)


def test_it_labels_every_filter(client):
    page = client.get(URL).content.decode()

    form = page[page.index('role="search"') : page.index("</form>")]
    for control_id in re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', form):
        assert f'for="{control_id}"' in form
    assert re.search(r'<form method="get" action="/regulators/"', page)


def test_it_keeps_the_filters_when_turning_pages(client, seeded):
    response = client.get(URL, {"kind_of_harm": "threats"})

    assert response.context["page"].has_next()
    next_link = re.search(r'href="(\?[^"]*page=2[^"]*)"', response.content.decode()).group(1)
    assert "kind_of_harm=threats" in next_link


def test_it_puts_a_provinces_own_office_before_the_national_body(client, seeded):
    entries = client.get(URL, {"province": "440000"}).context["page"].object_list

    assert [r.seed_key for r in entries][:3] == ["nfra-440000", "nfra", "lfb-440000"]


def test_it_lists_the_national_bodies_first_without_a_province(client, seeded):
    entries = client.get(URL).context["page"].object_list

    assert [r.seed_key for r in entries][:2] == ["nfra", "cac-12377"]
    assert all(not r.province for r in entries[:9])
