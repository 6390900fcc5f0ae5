"""Admins keep the registry: find by any name or credit code, merge duplicates (complaints
follow), and a list of what needs checking."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.models import BrandFunder, Complaint, Institution, InstitutionSource, Lender, Verification
from tests.factories import ComplaintFactory, InstitutionFactory, LenderFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:complaints_institution_changelist"


def test_it_merges_duplicate_institutions_and_their_complaints_follow(admin_client):
    keep = InstitutionFactory(name="马上消费金融股份有限公司", confirmed=True)
    typo = InstitutionFactory(name="马上消费金融公司", confirmed=False)
    complaint = ComplaintFactory(funding_institution=typo)
    brand = LenderFactory(operator=typo)
    BrandFunder.objects.create(brand=brand, institution=typo, source="合同")

    admin_client.post(
        reverse(CHANGELIST), {"action": "merge", "_selected_action": [typo.pk, keep.pk]}, follow=True
    )

    complaint.refresh_from_db()
    typo.refresh_from_db()
    brand.refresh_from_db()
    assert complaint.funding_institution == keep
    assert typo.merged_into == keep
    assert brand.operator == keep
    assert list(brand.funders.all()) == [keep]


def test_it_merges_duplicate_brands_and_their_complaints_follow(admin_client):
    keep = LenderFactory(name="安逸花", confirmed=True)
    typo = LenderFactory(name="安逸花app", confirmed=False)
    complaint = ComplaintFactory(lender=typo)

    admin_client.post(
        reverse("admin:complaints_lender_changelist"),
        {"action": "merge", "_selected_action": [typo.pk, keep.pk]},
        follow=True,
    )

    complaint.refresh_from_db()
    assert complaint.lender == keep
    assert Lender.objects.get(pk=typo.pk).merged_into == keep


@pytest.mark.parametrize("query", ["马上消费", "马上", "91500000ma00000x0y"])
def test_it_finds_an_institution_by_any_name_or_its_credit_code(admin_client, query):
    InstitutionFactory(name="马上消费金融股份有限公司", short_names="马上", credit_code="91500000MA00000X0Y")
    InstitutionFactory(name="别的公司")

    page = admin_client.get(reverse(CHANGELIST), {"q": query}).content.decode()

    assert "马上消费金融股份有限公司" in page and "别的公司" not in page


def test_the_needs_checking_list_shows_unconfirmed_and_unverified_institutions(admin_client):
    checked = InstitutionFactory(name="已核实公司", confirmed=True)
    InstitutionSource.objects.create(
        institution=checked, fact="name", source="公示系统", state=Verification.VERIFIED
    )
    InstitutionFactory(name="借款人填写的公司", confirmed=False)

    unconfirmed = admin_client.get(reverse(CHANGELIST), {"check": "unconfirmed"}).content.decode()
    unverified = admin_client.get(reverse(CHANGELIST), {"check": "unverified"}).content.decode()

    assert "借款人填写的公司" in unconfirmed and "已核实公司" not in unconfirmed
    assert "借款人填写的公司" in unverified and "已核实公司" not in unverified


def test_the_needs_checking_list_shows_brands_named_often_without_a_funder(admin_client):
    busy = LenderFactory(name="热门App")
    for _ in range(5):
        ComplaintFactory(lender=busy)
    LenderFactory(name="冷门App")

    page = admin_client.get(
        reverse("admin:complaints_lender_changelist"), {"check": "no_funder"}
    ).content.decode()

    assert "热门App" in page and "冷门App" not in page
    assert Complaint.objects.filter(lender=busy).count() == 5
    assert Institution.objects.count() == 0
