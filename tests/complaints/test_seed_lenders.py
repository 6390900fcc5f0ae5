"""The seeded brands and institutions: cited, idempotent, and never over an admin's edit."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from complaints.models import (
    BrandFunder,
    Institution,
    InstitutionSource,
    Lender,
    LicenceType,
    Province,
    Verification,
)
from complaints.registry import brand_find, institution_find
from complaints.seed import lenders_seed
from regulators.routing import route_for_complaint
from tests.factories import ComplaintFactory, InstitutionFactory

pytestmark = pytest.mark.django_db


def test_it_seeds_anyihua_with_its_funder_in_chongqing():
    lenders_seed()

    brand = Lender.objects.get(name="安逸花")
    funder = brand.funders.get()
    assert funder.name == "马上消费金融股份有限公司"
    assert (funder.licence_type, funder.province) == (LicenceType.CONSUMER_FINANCE, Province.CHONGQING)
    # Cited and not yet checked against the official register; nothing uncited is filled in.
    sources = InstitutionSource.objects.filter(institution=funder)
    assert sources.count() == 3 and all(
        s.state == Verification.UNVERIFIED and "domain" in s.source for s in sources
    )
    assert (funder.hotline, funder.credit_code, funder.postal_address) == ("", "", "")


def test_running_it_twice_adds_nothing():
    lenders_seed()
    counts = (Lender.objects.count(), Institution.objects.count(), BrandFunder.objects.count())

    report = lenders_seed()

    assert (report.brands_added, report.institutions_added, report.links_added) == (0, 0, 0)
    assert (Lender.objects.count(), Institution.objects.count(), BrandFunder.objects.count()) == counts


def test_it_keeps_an_admins_edits(admin_client):
    lenders_seed()
    funder = Institution.objects.get(seed_key="mashang-consumer-finance")
    form = {
        "name": funder.name,
        "short_names": "马上",
        "licence_type": LicenceType.CONSUMER_FINANCE,
        "province": "",
        "hotline": "",
        "confirmed": "on",
        "sources-TOTAL_FORMS": "0",
        "sources-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:complaints_institution_change", args=[funder.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]

    call_command("seed_lenders", stdout=StringIO())

    funder.refresh_from_db()
    assert funder.admin_edited is not None
    assert (funder.short_names, funder.province) == ("马上", "")


def test_it_fills_only_empty_fields_of_rows_nobody_edited():
    brand = Lender.objects.create(name="分期乐", pinyin="", other_names="我的别名", confirmed=False)

    lenders_seed()

    brand.refresh_from_db()
    assert (brand.pinyin, brand.other_names, brand.confirmed) == ("fenqile", "我的别名", False)


def test_it_adopts_an_institution_a_borrower_typed():
    typed = InstitutionFactory(name="马上消费金融股份有限公司", confirmed=False)

    lenders_seed()

    typed.refresh_from_db()
    assert typed.seed_key == "mashang-consumer-finance" and typed.confirmed
    assert Institution.objects.filter(name="马上消费金融股份有限公司").count() == 1


@pytest.mark.parametrize("typed", ["安逸花", "anyihua", "AYH", "马上消费"])
def test_a_brand_is_found_by_name_alias_pinyin_or_initials(typed):
    lenders_seed()

    assert brand_find(typed).name == "安逸花"


def test_an_institution_is_found_by_short_name_or_credit_code():
    lenders_seed()
    Institution.objects.filter(seed_key="webank").update(credit_code="91440300MA00000X0Y")

    assert institution_find("微众银行").seed_key == "webank"
    assert institution_find("91440300ma00000x0y").seed_key == "webank"


def test_a_borrower_naming_anyihua_is_routed_to_the_chongqing_bureau(seeded):
    lenders_seed()
    complaint = ComplaintFactory(lender=Lender.objects.get(name="安逸花"), province=Province.GUANGDONG)

    steps = route_for_complaint(complaint)

    assert steps[0].institution.name == "马上消费金融股份有限公司"
    assert steps[1].regulator.name_zh == "国家金融监督管理总局重庆监管局"
    assert steps[0].certain and steps[1].certain


# --- Brands, lenders and operators from stored public pages ---------------------------


def test_every_seeded_fact_carries_a_citation():
    from complaints.lender_seed import SEED_INSTITUTIONS, SEED_LENDERS

    lenders_seed()

    assert Lender.objects.count() == len(SEED_LENDERS) >= 40
    assert Institution.objects.count() == len(SEED_INSTITUTIONS)
    for brand in Lender.objects.all():
        assert brand.notes.startswith("出处："), brand.name
    for institution in Institution.objects.all():
        facts = set(institution.sources.values_list("fact", flat=True))
        assert facts == {"name", "licence_type", "registered"}, institution.name
        # Nothing uncited: no channel, credit code or address comes from the seed.
        assert not institution.has_channels and not institution.credit_code
    for link in BrandFunder.objects.all():
        assert link.source.strip(), str(link)
    for brand in Lender.objects.filter(operator__isnull=False):
        assert brand.operator_source.strip(), brand.name


def test_pages_that_disagree_make_a_disputed_link():
    lenders_seed()

    link = BrandFunder.objects.get(brand__name="360借条")

    assert link.institution.name == "福州三六零网络小额贷款有限公司"
    assert link.state == Verification.DISPUTED and "不一致" in link.source


def test_a_pairing_a_source_dates_is_a_former_one_and_routing_ignores_it():
    from complaints.registry import current_funders
    from regulators.routing import supervision

    lenders_seed()
    brand = Lender.objects.get(name="借呗")

    links = current_funders(brand)

    assert [link.current for link in links] == [True, False, False]
    assert links[0].institution.seed_key == "chongqing-ant-consumer-finance"
    assert {link.until.year for link in links[1:]} == {2020}
    assert supervision(brand, None).institution == links[0].institution


def test_it_sets_operators_once_and_never_over_an_admins_choice():
    lenders_seed()
    fenqile = Lender.objects.get(name="分期乐")
    assert fenqile.operator.name == "深圳市分期乐网络科技有限公司" and "digipub" in fenqile.operator_source
    other = InstitutionFactory(name="某某科技有限公司")
    Lender.objects.filter(name="信用飞").update(operator=None, admin_edited=None)
    Lender.objects.filter(name="豆豆钱").update(operator=other, admin_edited=None)
    Lender.objects.filter(name="借钱呗").update(operator=None, admin_edited="2026-01-01T00:00:00+08:00")

    report = lenders_seed()

    assert report.operators_set == 1
    assert Lender.objects.get(name="信用飞").operator.seed_key == "shanghai-xiaotu-network"
    assert Lender.objects.get(name="豆豆钱").operator == other
    assert Lender.objects.get(name="借钱呗").operator is None


def test_a_borrower_naming_meituan_gets_its_small_loan_company_as_a_guess(seeded):
    lenders_seed()
    complaint = ComplaintFactory(lender=Lender.objects.get(name="美团借钱"), province=Province.SHANGHAI)

    steps = route_for_complaint(complaint)

    assert steps[0].institution.name == "重庆美团三快小额贷款有限公司"
    # A platform's only known funder is inferred, not certain: the contract decides.
    assert steps[0].is_guess
