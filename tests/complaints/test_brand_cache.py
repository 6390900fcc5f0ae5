"""A typed name's brand, kept in the cache for filing (registry.brand_id_find): the same
answer as brand_find, read without the database, and never read again once any brand
changes, whichever way it changed (issue 20, filing)."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from complaints import registry, services
from complaints.admin import LenderAdmin
from complaints.models import BRANDS_VERSION, Lender
from complaints.registry import brand_find, brand_id_find, brand_id_key
from complaints.registry_csv import BRANDS, brands_export_csv, import_apply
from complaints.seed import lenders_seed
from lib import versions
from tests.factories import LenderFactory, UserFactory

pytestmark = pytest.mark.django_db


def _kept(name: str) -> int | None:
    """What the cache answers for `name` now, without asking the database."""
    return versions.stamped_get(BRANDS_VERSION, brand_id_key(name))[1]


@pytest.mark.parametrize("typed", ["安逸花", "安逸花 ", "小花", "ANYIHUA", "ayh"])
def test_a_name_resolves_to_brand_finds_brand_then_without_the_database(typed, django_assert_num_queries):
    LenderFactory(name="安逸花", other_names="小花", pinyin="anyihua", initials="AYH")
    LenderFactory(name="别的")

    expected = brand_find(typed).pk
    assert brand_id_find(typed) == expected
    with django_assert_num_queries(0):
        assert brand_id_find(typed) == expected
    assert _kept(" ".join(typed.split())) == expected


def test_a_merged_brand_resolves_to_the_one_it_was_merged_into():
    keep = LenderFactory(name="安逸花")
    LenderFactory(name="安逸花app", merged_into=keep)

    assert brand_id_find("安逸花app") == keep.pk


def test_a_name_no_brand_answers_to_is_not_kept():
    assert brand_id_find("新来的") is None
    # Written without going through anything that moves the version: still found.
    brand = LenderFactory(name="新来的")
    assert brand_id_find("新来的") == brand.pk


def test_an_entry_kept_under_an_older_version_is_not_read():
    brand = LenderFactory(name="安逸花")
    assert brand_id_find("安逸花") == brand.pk
    versions.bump(BRANDS_VERSION)
    assert _kept("安逸花") is None


def test_only_ids_and_versions_are_kept(borrower):
    LenderFactory(name="安逸花", named_by=borrower)
    brand_id_find("安逸花")
    stamp, value = cache.get(brand_id_key("安逸花"))
    assert isinstance(stamp, str) and type(value) is int


def _alias_moves(change) -> None:
    """An alias that named one brand names another after `change`: the next lookup says so."""
    first = LenderFactory(name="甲贷", other_names="小甲")
    second = LenderFactory(name="乙贷")
    assert brand_id_find("小甲") == first.pk
    change(first, second)
    assert brand_id_find("小甲") == second.pk


def test_a_merge_is_read_at_once():
    _alias_moves(lambda first, second: registry.brands_merge(keep=second, duplicates=[first]))


def test_an_admin_edit_is_read_at_once(admin_user):
    def edit(first, second):
        request = RequestFactory().post("/")
        request.user = admin_user
        model_admin = LenderAdmin(Lender, admin.site)
        first.other_names = ""
        model_admin.save_model(request, first, SimpleNamespace(changed_data=["other_names"]), True)
        second.other_names = "小甲"
        model_admin.save_model(request, second, SimpleNamespace(changed_data=["other_names"]), True)

    _alias_moves(edit)


def test_an_admin_delete_is_read_at_once(admin_user):
    first = LenderFactory(name="甲贷")
    assert brand_id_find("甲贷") == first.pk
    request = RequestFactory().post("/")
    request.user = admin_user
    LenderAdmin(Lender, admin.site).delete_queryset(request, Lender.objects.filter(pk=first.pk))
    assert brand_id_find("甲贷") is None


def test_the_admins_confirm_action_is_read_at_once(admin_client):
    # Two brands claim the alias: the older wins it, until the other is confirmed.
    older = LenderFactory(name="甲贷", other_names="小甲", confirmed=False)
    newer = LenderFactory(name="乙贷", other_names="小甲", confirmed=False)
    assert brand_id_find("小甲") == older.pk
    admin_client.post(
        reverse("admin:complaints_lender_changelist"), {"action": "confirm", "_selected_action": [newer.pk]}
    )
    assert brand_id_find("小甲") == newer.pk


def test_an_import_is_read_at_once():
    editor = UserFactory(role="admin", is_staff=True, is_superuser=True)

    def imported(first, second):
        rows = list(
            csv.DictReader(io.StringIO(brands_export_csv(brands=Lender.objects.all()).lstrip("\ufeff")))
        )
        for row in rows:
            row["other_names"] = "小甲" if row["name"] == "乙贷" else ""
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        result = import_apply(data=out.getvalue().encode(), kind=BRANDS, actor=editor, now=timezone.now())
        assert not result.errors

    _alias_moves(imported)


def test_seeding_is_read_at_once():
    # A brand a borrower typed before the seed knew it; the seed fills in its pinyin, and
    # of the two brands that then answer to it, the older wins.
    typed = LenderFactory(name="安逸花", pinyin="", confirmed=False)
    other = LenderFactory(name="别的", other_names="anyihua", confirmed=False)
    assert brand_id_find("anyihua") == other.pk
    lenders_seed()
    assert brand_id_find("anyihua") == typed.pk == brand_find("anyihua").pk


def test_a_brand_a_filing_adds_is_read_at_once(borrower):
    assert brand_id_find("新来的") is None
    added = services.lender_resolve_id(name="新来的", named_by=borrower)
    assert Lender.objects.get(pk=added).name == "新来的"
    assert brand_id_find("新来的") == added
