"""The route finder costs the same queries whatever the registry holds (issue 20: it is
public, and measured by `make bench`)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.models import BrandFunder
from tests.factories import InstitutionFactory, LenderFactory, RegulatorFactory

pytestmark = pytest.mark.django_db

PARAMS = {"lender": "某花", "province": "440000"}


def queries(client, **headers) -> int:
    client.get(reverse("regulators:route"), PARAMS, **headers)  # as on a running server
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("regulators:route"), PARAMS, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add(n: int, start: int = 0) -> None:
    """n more funders of the brand, other brands, institutions and regulators."""
    brand = LenderFactory(
        name="某花", licence_type="platform", operator=InstitutionFactory(name="某科技公司")
    )
    for i in range(start, start + n):
        funder = InstitutionFactory(
            name=f"某消费金融公司{i}", licence_type="consumer_finance", province="500000"
        )
        BrandFunder.objects.create(brand=brand, institution=funder)
        LenderFactory(name=f"别的App{i}")
        RegulatorFactory(kind="police", province="440000", name_zh=f"公安局{i}")


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_the_route_finder_costs_the_same_with_1_or_30_of_everything(client, accept):
    add(1)
    small = queries(client, HTTP_ACCEPT=accept)
    add(29, start=1)
    large = queries(client, HTTP_ACCEPT=accept)

    assert large == small
