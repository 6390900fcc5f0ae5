"""The complaint page shows where to go next, in order, with contacts."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from complaints.models import HarassmentKind, LicenceType, Province, Status
from tests.factories import ComplaintFactory, IncidentFactory, LenderFactory

pytestmark = pytest.mark.django_db


def test_a_guangdong_micro_loan_borrower_sees_the_ladder_in_order(client, borrower):
    call_command("seed_regulators", stdout=StringIO())
    lender = LenderFactory(name="某某小贷", licence_type=LicenceType.MICRO_LOAN)
    complaint = ComplaintFactory(
        filer=borrower, lender=lender, status=Status.SUBMITTED, province=Province.GUANGDONG
    )
    IncidentFactory(complaint=complaint, kind=HarassmentKind.THIRD_PARTIES)
    IncidentFactory(complaint=complaint, kind=HarassmentKind.THREATS)
    client.force_login(borrower)

    page = client.get(complaint.get_absolute_url()).content.decode()
    route = page[page.index('id="route"') :]

    positions = [
        route.index(text) for text in ("某某小贷", "广东省地方金融管理局", "网信办", "公安", "12377", "110")
    ]
    assert positions[:4] == sorted(positions[:4])
    assert 'href="tel:12377"' in route
