"""The public directory is the same for every visitor: cached as HTML under the directory's
version, read from the database only when that changed, and never shown stale."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from regulators import services
from regulators.models import Regulator, RegulatorChange
from tests.factories import RegulatorFactory

pytestmark = pytest.mark.django_db

URL = reverse("regulators:directory")


def visit(client, params=None) -> tuple[int, str]:
    """The queries of one visit, and the page's main part (the layout around it holds a
    CSRF token of each visitor's own)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    page = response.content.decode()
    return len(ctx.captured_queries), page[page.index('<main id="main"') : page.index("</main>")]


def test_an_anonymous_visitor_costs_no_query_once_the_page_is_cached(client, seeded):
    first, page = visit(client)
    again, same = visit(client)

    assert first <= 2
    assert again == 0
    assert same == page
    assert "国家金融监督管理总局" in page


@pytest.mark.parametrize("n", [1, 30])
def test_a_province_costs_the_same_whatever_the_directory_holds(client, n):
    RegulatorFactory.create_batch(n, province="440000")
    params = {"province": "440000", "kind_of_harm": "", "q": ""}  # as the form sends it

    first, _page = visit(client, params)
    again, page = visit(client, params)

    assert (first, again) == (1, 0)
    assert page.count('class="card mb-3"') == min(n, 25)


def test_an_admins_edit_shows_at_once(client, admin_user):
    regulator = RegulatorFactory(hotline="110")
    visit(client)

    regulator.hotline = "12345"
    services.regulator_save(
        regulator=regulator, actor=admin_user, now=timezone.now(), source=RegulatorChange.Source.ADMIN
    )

    _queries, page = visit(client)
    assert "12345" in page


def test_an_entry_added_by_the_seed_or_deleted_in_the_admin_shows_at_once(client, admin_user):
    RegulatorFactory(name_zh="某市公安局")
    visit(client)

    services.regulators_seed(
        entries=[{"seed_key": "x", "name_zh": "某省地方金融管理局", "kind": "local_financial_bureau"}]
    )
    assert "某省地方金融管理局" in visit(client)[1]

    client.force_login(admin_user)
    gone = Regulator.objects.get(name_zh="某市公安局")
    client.post(reverse("admin:regulators_regulator_delete", args=[gone.pk]), {"post": "yes"})
    client.logout()
    assert not Regulator.objects.filter(pk=gone.pk).exists()
    assert "某市公安局" not in visit(client)[1]


def test_an_entry_marked_checked_loses_its_warning_at_once(client):
    RegulatorFactory()
    assert "我们的团队尚未核实" in visit(client)[1]

    services.regulators_mark_verified(regulators=Regulator.objects.all(), now=timezone.now())

    assert "我们的团队尚未核实" not in visit(client)[1]


def test_a_typed_word_or_an_unknown_parameter_is_not_cached(client, seeded):
    """A query string anyone can vary would let a stranger fill the cache."""
    for params in (
        {"q": "12315"},
        {"x": "1"},
        {"page": "99999"},
        {"province": "nowhere"},
        {"province": "440000"},  # not as the form sends it
        {"province": "440000", "kind_of_harm": "", "q": "", "page": "2"},
    ):
        visit(client, params)
        again, _page = visit(client, params)
        assert again >= 1, params


def test_a_logged_in_visitor_sees_the_same_directory(client, borrower, seeded):
    _queries, anonymous = visit(client)
    client.force_login(borrower)
    _queries, logged_in = visit(client)

    assert logged_in == anonymous
