"""The public route finder: a brand or a lender and a province, without an account."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.models import BrandFunder, Province
from complaints.seed import lenders_seed
from tests.factories import InstitutionFactory, LenderFactory

pytestmark = pytest.mark.django_db

URL = "regulators:route"


@pytest.fixture
def registry(seeded):
    lenders_seed()


def test_it_opens_without_an_account_and_is_linked_from_home(client):
    assert client.get(reverse(URL)).status_code == 200
    assert reverse(URL) in client.get(reverse("home")).content.decode()


def test_anyihua_goes_to_its_funder_and_the_chongqing_bureau(client, registry):
    page = client.get(reverse(URL), {"lender": "安逸花", "province": Province.GUANGDONG}).content.decode()

    assert "马上消费金融股份有限公司" in page
    assert "国家金融监督管理总局重庆监管局" in page
    assert "广东省地方金融管理局" not in page


def test_it_answers_json(client, registry):
    response = client.get(
        reverse(URL), {"lender": "anyihua", "province": "广东"}, HTTP_ACCEPT="application/json"
    )

    data = response.json()
    assert response["Content-Type"] == "application/json"
    assert data["brand"] == "安逸花"
    assert data["funders"] == [
        {"name": "马上消费金融股份有限公司", "licence": "consumer_finance", "province": "500000"}
    ]
    names = [step["name"] for step in data["route"]]
    assert names[:2] == ["马上消费金融股份有限公司", "国家金融监督管理总局重庆监管局"]
    first, bureau = data["route"][0], data["route"][1]
    assert first["kind"] == "lender" and first["certain"] is True
    assert (bureau["kind"], bureau["hotline"], bureau["province"]) == ("nfra", "12378", "500000")
    assert bureau["why"]
    assert set(first) == {"name", "kind", "hotline", "province", "certain", "why"}


def test_a_typed_institution_name_is_the_funder(client, registry):
    data = client.get(
        reverse(URL),
        {"lender": "重庆众安小额贷款有限公司", "province": "310000"},
        HTTP_ACCEPT="application/json",
    ).json()

    assert data["brand"] is None
    assert data["funders"][0]["licence"] == "online_micro_loan"
    assert data["route"][1]["name"] == "重庆市地方金融管理局"


def test_a_platform_with_several_funders_lists_them_and_asks(client, seeded):
    brand = LenderFactory(name="多资方App", licence_type="platform")
    for name in ("甲消费金融有限公司", "乙小额贷款有限公司"):
        BrandFunder.objects.create(brand=brand, institution=InstitutionFactory(name=name), source="合同")

    data = client.get(reverse(URL), {"lender": "多资方App"}, HTTP_ACCEPT="application/json").json()

    assert {f["name"] for f in data["funders"]} == {"甲消费金融有限公司", "乙小额贷款有限公司"}
    assert data["route"][0]["certain"] is False


def test_an_unknown_name_still_gets_a_route_that_says_what_is_unknown(client, seeded):
    page = client.get(reverse(URL), {"lender": "没听说过的App", "province": "440000"}).content.decode()

    assert "没听说过的App" in page
    assert "12378" in page


def test_script_in_the_name_is_escaped(client, seeded):
    page = client.get(reverse(URL), {"lender": "<script>alert(1)</script>"}).content.decode()

    assert "<script>alert(1)</script>" not in page


@pytest.fixture
def fragments_stored(monkeypatch):
    """The keys of the HTML fragments the pages store, as they are stored."""
    from lib.templatetags import fragments

    stored: list[str] = []
    real = fragments.django_cache.set

    def recording(key, *args, **kwargs):
        stored.append(key)
        return real(key, *args, **kwargs)

    monkeypatch.setattr(fragments.django_cache, "set", recording)
    return stored


def _typed(page: str) -> list[str]:
    import re

    return re.findall(r'<input type="text" name="lender" value="([^"]*)"', page)


def _selected_province(page: str) -> list[str]:
    import re

    return re.findall(r'<option value="(\d+)" selected', page)


def test_the_form_is_cached_and_still_shows_what_each_visitor_asked(client, registry, fragments_stored):
    first = client.get(reverse(URL), {"lender": "安逸花", "province": Province.GUANGDONG}).content.decode()
    again = client.get(reverse(URL), {"lender": "安逸花", "province": Province.GUANGDONG}).content.decode()
    other = client.get(reverse(URL), {"lender": "拍拍贷", "province": Province.SICHUAN}).content.decode()

    route_forms = [key for key in fragments_stored if key.startswith("fragment:route-form:")]
    assert len(route_forms) == 2  # the first asking and the other: the repeat was served from the cache
    assert _selected_province(first) == _selected_province(again) == [Province.GUANGDONG]
    assert _selected_province(other) == [Province.SICHUAN]
    assert _typed(other) == ["拍拍贷"]
    assert _typed(first) == _typed(again) == ["安逸花"]


def test_a_name_nobody_knows_is_drawn_anew_not_stored(client, registry, fragments_stored):
    for i in range(3):
        page = client.get(reverse(URL), {"lender": f"随便写的名字{i}", "province": Province.GUANGDONG})
        assert _typed(page.content.decode()) == [f"随便写的名字{i}"]

    assert not [key for key in fragments_stored if key.startswith("fragment:route-form:")]


def test_a_name_spelled_otherwise_or_kinds_ticked_are_drawn_anew_not_stored(
    client, registry, fragments_stored
):
    """Pinyin, other capitals and sets of kinds are many spellings of one question: only
    the name as the list spells it, with no kinds, is stored."""
    from complaints.models import HarassmentKind

    for asked in (
        {"lender": "anyihua", "province": Province.GUANGDONG},
        {"lender": "AnYiHua", "province": Province.GUANGDONG},
        {"lender": "安逸花", "province": Province.GUANGDONG, "kind": [HarassmentKind.values[0]]},
    ):
        page = client.get(reverse(URL), asked).content.decode()
        assert _typed(page) == [asked["lender"]]
        assert "马上消费金融股份有限公司" in page  # the brand was found all the same

    assert not [key for key in fragments_stored if key.startswith("fragment:route-form:")]
