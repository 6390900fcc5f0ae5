"""The directory's admin: CSV import page, CSV export action, "needs checking" filter."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from regulators.models import Regulator
from tests.factories import RegulatorFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:regulators_regulator_changelist"
IMPORT = "admin:regulators_regulator_import"


def upload(text: str, name: str = "regulators.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def listed(response) -> set[str]:
    return {r.name_zh for r in response.context["cl"].result_list}


# --- import -----------------------------------------------------------------------


def test_it_imports_good_rows_and_shows_bad_rows_with_their_numbers(client, admin_user):
    client.force_login(admin_user)
    text = "name_zh,kind,province\n深圳市公安局,police,440000\n坏行,nonsense,\n广州市公安局,police,440000\n"

    response = client.post(reverse(IMPORT), {"file": upload(text)})

    assert response.status_code == 200
    assert set(Regulator.objects.values_list("name_zh", flat=True)) == {"深圳市公安局", "广州市公安局"}
    [error] = response.context["result"].errors
    assert error.row == 3
    page = response.content.decode()
    assert 'id="import-errors"' in page and "<td>3</td>" in page and "nonsense" in page
    assert LogEntry.objects.filter(user=admin_user, action_flag=ADDITION).count() == 2


def test_it_shows_a_file_error_and_imports_nothing(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse(IMPORT), {"file": upload("name_zh,kind,colour\n某,police,red\n")})

    assert response.status_code == 200
    assert "colour" in str(response.context["form"].errors["file"])
    assert not Regulator.objects.exists()


def test_it_opens_the_import_page_from_the_changelist(client, admin_user):
    client.force_login(admin_user)

    changelist = client.get(reverse(CHANGELIST)).content.decode()
    page = client.get(reverse(IMPORT))

    assert reverse(IMPORT) in changelist
    assert page.status_code == 200
    assert 'for="id_file"' in page.content.decode()


def test_it_sends_a_borrower_to_the_admin_login(client, borrower):
    client.force_login(borrower)

    response = client.post(reverse(IMPORT), {"file": upload("name_zh,kind\n某,police\n")})

    assert response.status_code == 302
    assert not Regulator.objects.exists()


def test_it_refuses_staff_without_permission_to_add(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)

    response = client.post(reverse(IMPORT), {"file": upload("name_zh,kind\n某,police\n")})

    assert response.status_code == 403
    assert not Regulator.objects.exists()


# --- export -----------------------------------------------------------------------


def test_it_exports_the_selected_entries_with_formulas_defused(client, admin_user):
    evil = RegulatorFactory(name_zh='=HYPERLINK("http://evil.example","点我")', hotline="+86 110")
    RegulatorFactory(name_zh="不选")
    client.force_login(admin_user)

    response = client.post(reverse(CHANGELIST), {"action": "export_csv", "_selected_action": [evil.pk]})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="regulators-')
    content = response.content.decode("utf-8")
    assert '"\'=HYPERLINK(""http://evil.example"",""点我"")"' in content
    assert "'+86 110" in content
    assert "不选" not in content


# --- list -------------------------------------------------------------------------


def test_it_filters_the_entries_that_need_checking(client, admin_user):
    now = timezone.now()
    RegulatorFactory(name_zh="从未核实", verified_at=None)
    RegulatorFactory(name_zh="去年核实", verified_at=now - timedelta(days=366))
    RegulatorFactory(name_zh="上月核实", verified_at=now - timedelta(days=30))
    client.force_login(admin_user)

    stale = client.get(reverse(CHANGELIST), {"needs_checking": "yes"})
    fresh = client.get(reverse(CHANGELIST), {"needs_checking": "no"})

    assert listed(stale) == {"从未核实", "去年核实"}
    assert listed(fresh) == {"上月核实"}


def test_it_finds_an_entry_by_hotline(client, admin_user, seeded):
    client.force_login(admin_user)

    response = client.get(reverse(CHANGELIST), {"q": "12321"})

    assert listed(response) == {"12321网络不良与垃圾信息举报受理中心"}


def test_it_filters_by_kind_province_and_active(client, admin_user, seeded):
    Regulator.objects.filter(seed_key="lfb-110000").update(active=False)
    client.force_login(admin_user)

    response = client.get(
        reverse(CHANGELIST),
        {"kind__exact": "local_financial_bureau", "province__exact": "110000", "active__exact": "0"},
    )

    assert listed(response) == {"北京市地方金融管理局"}


def test_it_marks_entries_as_checked(client, admin_user):
    regulator = RegulatorFactory(verified_at=None)
    client.force_login(admin_user)

    client.post(reverse(CHANGELIST), {"action": "mark_verified", "_selected_action": [regulator.pk]})

    regulator.refresh_from_db()
    assert regulator.verified_at is not None


def test_it_edits_the_code_lists_with_tick_boxes(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:regulators_regulator_add"),
        {
            "name_zh": "海南省地方金融管理局",
            "kind": "local_financial_bureau",
            "province": "460000",
            "website": "jrj.hainan.gov.cn",
            "licence_types": ["micro_loan"],
            "harassment_kinds": [],
            "active": "on",
        },
    )

    assert response.status_code == 302
    regulator = Regulator.objects.get()
    assert (regulator.licence_types, regulator.harassment_kinds) == (["micro_loan"], [])
    assert regulator.website == "https://jrj.hainan.gov.cn"


def test_it_ticks_the_covered_codes_on_the_edit_page(client, admin_user, by_key):
    client.force_login(admin_user)

    response = client.get(reverse("admin:regulators_regulator_change", args=[by_key("cac-12377").pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'<input[^>]*value="third_parties"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="threats"[^>]*checked', page)
