"""What the Regulator model itself refuses, whoever writes it (admin, import, shell)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from regulators.models import Regulator, RegulatorKind

pytestmark = pytest.mark.django_db


def entry(**fields) -> Regulator:
    return Regulator(**{"name_zh": "某机构", "kind": RegulatorKind.POLICE, **fields})


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"licence_types": ["casino"]}, "licence_types"),
        ({"licence_types": "bank"}, "licence_types"),
        ({"harassment_kinds": ["threats", "poetry"]}, "harassment_kinds"),
        ({"city_code": "4403"}, "city_code"),
        ({"province": "110000", "city_code": "440300"}, "city_code"),
        ({"kind": "lender"}, "kind"),
    ],
)
def test_it_refuses_codes_it_does_not_know(fields, field):
    with pytest.raises(ValidationError) as error:
        entry(**fields).full_clean()

    assert field in error.value.message_dict


def test_it_accepts_a_city_in_its_province():
    entry(province="440000", city_code="440300", licence_types=["micro_loan"]).full_clean()


def test_it_keeps_seed_keys_unique_but_allows_many_blank_ones():
    entry(seed_key="").save()
    entry(seed_key="").save()
    entry(seed_key="police-110").save()

    with pytest.raises(IntegrityError):
        entry(seed_key="police-110").save()


@pytest.mark.parametrize(
    ("hotline", "tel"),
    [("12378", "12378"), ("+86 (10) 1234-5678", "+861012345678"), ("010-6609 5000", "01066095000"), ("", "")],
)
def test_it_turns_a_hotline_into_a_tel_target(hotline, tel):
    assert entry(hotline=hotline).hotline_tel == tel
