"""At filing, "which of these is on your contract?" with the brand's known funders: the
current pairings first, checked ones first, ended ones marked as former partners."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from complaints.models import BrandFunder, Complaint, Institution, Province, Status, Verification
from complaints.registry import current_funders
from complaints.seed import lenders_seed
from regulators.routing import supervision
from tests.complaints.test_filing import filing, incident
from tests.factories import ComplaintFactory, InstitutionFactory, LenderFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 30)


@pytest.fixture
def brand():
    """A platform with a checked current funder, an unchecked one, one whose pairing ends
    next year (still current), one that ended in 2023 and one that begins next year."""
    brand = LenderFactory(name="多资方App", licence_type="platform")
    for name, state, since, until in (
        ("A消费金融有限公司", Verification.UNVERIFIED, None, None),
        ("B银行股份有限公司", Verification.VERIFIED, None, None),
        ("C小额贷款有限公司", Verification.UNVERIFIED, None, date(2027, 6, 30)),
        ("D信托有限责任公司", Verification.VERIFIED, date(2019, 1, 1), date(2023, 12, 31)),
        ("E银行股份有限公司", Verification.VERIFIED, date(2027, 1, 1), None),
    ):
        BrandFunder.objects.create(
            brand=brand,
            institution=InstitutionFactory(name=name, province=Province.CHONGQING),
            state=state,
            since=since,
            until=until,
            source="借款合同",
        )
    return brand


@pytest.fixture
def logged_in(client, borrower):
    client.force_login(borrower)
    return client


def test_current_pairings_come_first_checked_ones_before_unchecked(brand):
    links = current_funders(brand, today=TODAY)

    assert [link.institution.name[0] for link in links] == ["B", "A", "C", "D", "E"]
    assert [link.current for link in links] == [True, True, True, False, False]


def test_a_pairing_is_current_until_its_last_day():
    link = BrandFunder(since=date(2020, 1, 1), until=date(2026, 11, 30))

    assert link.is_current(date(2026, 11, 30))
    assert not link.is_current(date(2026, 12, 1))
    assert not link.is_current(date(2019, 12, 31))


@time_machine.travel("2026-11-30 10:00 +0800", tick=False)
def test_routing_reads_only_pairings_that_hold_today():
    brand = LenderFactory(name="单资方App", licence_type="platform")
    ended = InstitutionFactory(name="旧小额贷款有限公司", licence_type="micro_loan")
    ending = InstitutionFactory(name="新消费金融有限公司", licence_type="consumer_finance")
    BrandFunder.objects.create(brand=brand, institution=ended, until=date(2024, 1, 1), source="x")
    # Ends next year: still the one lending today, so the route names it.
    BrandFunder.objects.create(brand=brand, institution=ending, until=date(2027, 1, 1), source="x")

    assert supervision(brand, None).institution == ending


@time_machine.travel("2026-11-30 10:00 +0800", tick=False)
def test_the_filing_form_offers_the_brands_funders_for_a_brand_in_the_link(logged_in, brand):
    page = logged_in.get(reverse("complaints:create"), {"lender": "多资方App"}).content.decode()

    assert 'id="funder-choice"' in page and "hidden" not in page.split('id="funder-choice"')[1].split(">")[0]
    assert page.index("B银行股份有限公司") < page.index("A消费金融有限公司") < page.index("D信托有限责任公司")
    assert "曾经的合作机构（至 2023 年）" in page
    assert 'value="not_listed"' in page


def test_without_known_funders_the_question_is_hidden(logged_in):
    LenderFactory(name="无资方App")

    page = logged_in.get(reverse("complaints:create"), {"lender": "无资方App"}).content.decode()

    assert 'name="funder_choice"' not in page
    assert 'id="funder-choice"' in page and "hidden" in page.split('id="funder-choice"')[1].split(">")[0]


def test_a_ticked_funder_becomes_the_complaints_funding_institution(logged_in, brand):
    chosen = Institution.objects.get(name="D信托有限责任公司")

    response = logged_in.post(
        reverse("complaints:create"),
        filing(incident(0), lender_name="多资方App", funder_choice=str(chosen.pk), funding_name="随便写的"),
    )

    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.status, complaint.funding_institution) == (Status.SUBMITTED, chosen)


def test_not_listed_keeps_the_typed_name_for_an_admin(logged_in, brand):
    logged_in.post(
        reverse("complaints:create"),
        filing(incident(0), lender_name="多资方App", funder_choice="not_listed", funding_name="某某农商银行"),
    )

    funder = Complaint.objects.get().funding_institution
    assert (funder.name, funder.confirmed) == ("某某农商银行", False)


def test_not_listed_drops_a_listed_name_left_from_an_earlier_save(logged_in, brand, borrower):
    listed = Institution.objects.get(name="A消费金融有限公司")
    draft = ComplaintFactory(filer=borrower, lender=brand, funding_institution=listed)

    logged_in.post(
        reverse("complaints:edit", args=[draft.reference]),
        filing(lender_name="多资方App", funder_choice="not_listed", funding_name=listed.name, action="draft"),
    )

    draft.refresh_from_db()
    assert draft.funding_institution is None


def test_a_draft_shows_its_funder_ticked(logged_in, brand, borrower):
    listed = Institution.objects.get(name="A消费金融有限公司")
    draft = ComplaintFactory(filer=borrower, lender=brand, funding_institution=listed)

    page = logged_in.get(reverse("complaints:edit", args=[draft.reference])).content.decode()

    [tag] = re.findall(rf'<input type="radio" name="funder_choice" value="{listed.pk}"[^>]*>', page)
    assert "checked" in tag


def test_a_choice_from_another_brand_is_refused_beside_the_question(logged_in, brand):
    other = InstitutionFactory(name="别家银行")

    response = logged_in.post(
        reverse("complaints:create"),
        filing(incident(0), lender_name="多资方App", funder_choice=str(other.pk)),
    )

    assert response.status_code == 200
    assert not Complaint.objects.exists()
    assert response.context["form"].errors["funder_choice"]


@time_machine.travel("2026-11-30 10:00 +0800", tick=False)
def test_the_choices_follow_the_brand_as_it_is_typed(logged_in, brand):
    response = logged_in.get(reverse("complaints:brand_funders"), {"brand": "多资方App"})

    data = response.json()
    assert data["brand"] == "多资方App"
    assert [label.split(" · ")[0] for _value, label in data["choices"]][:3] == [
        "B银行股份有限公司",
        "A消费金融有限公司",
        "C小额贷款有限公司",
    ]
    assert data["choices"][-1][0] == "not_listed"
    assert logged_in.get(reverse("complaints:brand_funders"), {"brand": "无此App"}).json()["choices"] == []


def test_the_choices_need_an_account(client, brand):
    response = client.get(reverse("complaints:brand_funders"), {"brand": "多资方App"})

    assert response.status_code == 302


def test_the_seeded_anyihua_offers_mashang(logged_in):
    lenders_seed()

    data = logged_in.get(reverse("complaints:brand_funders"), {"brand": "anyihua"}).json()

    assert data["choices"][0][1].startswith("马上消费金融股份有限公司")


@time_machine.travel("2026-11-30 10:00 +0800", tick=False)
def test_the_name_it_later_page_marks_former_partners(logged_in, brand, borrower):
    complaint = ComplaintFactory(filer=borrower, lender=brand, status=Status.SUBMITTED)

    page = logged_in.get(reverse("complaints:lenders", args=[complaint.reference])).content.decode()

    assert "曾经的合作机构（至 2023 年）" in page
    assert page.index("B银行股份有限公司") < page.index("D信托有限责任公司")
