"""The complaint page shows where to go next, in order, with contacts."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from complaints.models import HarassmentKind, LicenceType, Province, Status
from tests.factories import ComplaintFactory, IncidentFactory, InstitutionFactory, LenderFactory

pytestmark = pytest.mark.django_db


def test_a_guangdong_borrower_of_a_chongqing_small_loan_company_sees_the_ladder_in_order(client, borrower):
    call_command("seed_regulators", stdout=StringIO())
    brand = LenderFactory(name="某某借", licence_type=LicenceType.PLATFORM)
    funder = InstitutionFactory(
        name="重庆某某小额贷款有限公司",
        licence_type=LicenceType.ONLINE_MICRO_LOAN,
        province=Province.CHONGQING,
        hotline="400-000-0000",
        app_complaint_path="我的 → 客服 → 投诉",
    )
    complaint = ComplaintFactory(
        filer=borrower,
        lender=brand,
        funding_institution=funder,
        status=Status.SUBMITTED,
        province=Province.GUANGDONG,
    )
    IncidentFactory(complaint=complaint, kind=HarassmentKind.THIRD_PARTIES)
    IncidentFactory(complaint=complaint, kind=HarassmentKind.THREATS)
    client.force_login(borrower)

    page = client.get(complaint.get_absolute_url()).content.decode()
    route = page[page.index('id="route"') :]

    positions = [
        route.index(text)
        for text in ("重庆某某小额贷款有限公司", "重庆市地方金融管理局", "网信办", "公安", "12377", "110")
    ]
    assert positions[:4] == sorted(positions[:4])
    assert "广东省地方金融管理局" not in route
    assert 'href="tel:12377"' in route
    # How to reach the lender, and the letter to it.
    assert 'href="tel:4000000000"' in route
    assert "我的 → 客服 → 投诉" in route
    assert f"/letters/institution-{funder.pk}/" in route


def test_the_lender_step_says_what_to_do_without_contacts(client, borrower):
    call_command("seed_regulators", stdout=StringIO())
    complaint = ComplaintFactory(
        filer=borrower,
        lender=LenderFactory(name="某某花", licence_type=LicenceType.PLATFORM),
        status=Status.SUBMITTED,
    )
    IncidentFactory(complaint=complaint, kind=HarassmentKind.THREATS)
    client.force_login(borrower)

    page = client.get(complaint.get_absolute_url()).content.decode()
    route = page[page.index('id="route"') :]

    assert "我的 → 客服" in route
    assert "出借人" in route
