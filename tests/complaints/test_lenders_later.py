"""The borrower names the lender in the contract after filing: the route follows, the
timeline says so, and a name that matches nothing waits for an admin."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from complaints.models import BrandFunder, Institution, Province, Status, TimelineEvent
from complaints.seed import lenders_seed
from tests.factories import ComplaintFactory, IncidentFactory, LenderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(borrower):
    call_command("seed_regulators", stdout=StringIO())
    lenders_seed()
    complaint = ComplaintFactory(
        filer=borrower,
        lender=LenderFactory(name="某某借"),
        status=Status.SUBMITTED,
        province=Province.SHANGHAI,
    )
    IncidentFactory(complaint=complaint)
    return complaint


def test_naming_the_funder_later_recomputes_the_route_and_says_so(client, borrower, filed):
    client.force_login(borrower)

    response = client.post(
        reverse("complaints:lenders", args=[filed.reference]),
        {"brand_name": "某某借", "funder_name": "重庆众安小额贷款有限公司"},
    )

    filed.refresh_from_db()
    assert response.status_code == 302
    assert filed.funding_institution.seed_key == "chongqing-zhongan-micro-loan"
    event = filed.events.get(kind=TimelineEvent.Kind.EDITED)
    assert "重庆众安小额贷款有限公司" in event.display_note
    page = client.get(filed.get_absolute_url()).content.decode()
    route = page[page.index('id="route"') :]
    assert "重庆市地方金融管理局" in route and "上海市地方金融管理局" not in route


def test_a_funder_that_matches_nothing_waits_for_an_admin(client, borrower, filed):
    client.force_login(borrower)

    client.post(
        reverse("complaints:lenders", args=[filed.reference]),
        {"brand_name": "某某借", "funder_name": "某某不知名小额贷款公司"},
    )

    filed.refresh_from_db()
    institution = filed.funding_institution
    assert (institution.name, institution.confirmed, institution.named_by) == (
        "某某不知名小额贷款公司",
        False,
        borrower,
    )


def test_the_brands_funders_are_offered_first(client, borrower):
    lenders_seed()
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED, lender=LenderFactory(name="安逸花"))
    client.force_login(borrower)

    page = client.get(reverse("complaints:lenders", args=[complaint.reference])).content.decode()

    assert 'value="马上消费金融股份有限公司"' in page


def test_a_stranger_cannot_change_the_lender(client, filed, other_borrower):
    client.force_login(other_borrower)

    response = client.post(
        reverse("complaints:lenders", args=[filed.reference]), {"brand_name": "x", "funder_name": "y"}
    )

    assert response.status_code == 404
    assert not Institution.objects.filter(name="y").exists()


def test_a_closed_complaint_keeps_its_lender(client, borrower, filed):
    filed.status = Status.CLOSED
    filed.save()
    client.force_login(borrower)

    client.post(
        reverse("complaints:lenders", args=[filed.reference]), {"brand_name": "某某借", "funder_name": "z"}
    )

    filed.refresh_from_db()
    assert filed.funding_institution is None


def test_the_funder_named_most_for_a_brand_comes_first(client, borrower):
    brand = LenderFactory(name="多资方")
    rare, common = (Institution.objects.create(name=n, confirmed=True) for n in ("A银行", "B小贷"))
    for institution in (rare, common):
        BrandFunder.objects.create(brand=brand, institution=institution, source="合同")
    for _ in range(2):
        ComplaintFactory(lender=brand, funding_institution=common)
    complaint = ComplaintFactory(filer=borrower, lender=brand, status=Status.SUBMITTED)
    client.force_login(borrower)

    page = client.get(reverse("complaints:lenders", args=[complaint.reference])).content.decode()

    assert page.index('value="B小贷"') < page.index('value="A银行"')
