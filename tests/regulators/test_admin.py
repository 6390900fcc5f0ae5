"""The directory's admin: CSV import page, CSV export action, "needs checking" filter."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from regulators.models import Regulator, RegulatorChange
from tests.factories import RegulatorFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:regulators_regulator_changelist"
IMPORT = "admin:regulators_regulator_import"


def upload(text: str, name: str = "regulators.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def listed(response) -> set[str]:
    return {r.name_zh for r in response.context["cl"].result_list}


# --- import -----------------------------------------------------------------------


def test_a_file_with_a_bad_row_is_previewed_with_its_row_number_and_saves_nothing(client, admin_user):
    client.force_login(admin_user)
    text = "name_zh,kind,province\n深圳市公安局,police,440000\n坏行,nonsense,\n广州市公安局,police,440000\n"

    response = client.post(reverse(IMPORT), {"file": upload(text)})

    assert response.status_code == 200
    assert not Regulator.objects.exists()
    [error] = response.context["preview"].errors
    assert error.row == 3
    page = response.content.decode()
    assert 'id="import-errors"' in page and "<td>3</td>" in page and "nonsense" in page
    assert 'id="import-confirm"' not in page


def test_it_imports_only_after_the_admin_confirms_the_preview(client, admin_user):
    moved = RegulatorFactory(name_zh="某省公安厅", hotline="110", verified_at=timezone.now())
    client.force_login(admin_user)
    text = f"id,name_zh,kind,hotline\n{moved.pk},某省公安厅,police,12345678\n,广州市公安局,police,\n"

    preview = client.post(reverse(IMPORT), {"file": upload(text)})

    page = preview.content.decode()
    assert 'id="import-changes"' in page and "12345678" in page and 'id="import-added"' in page
    assert Regulator.objects.count() == 1
    moved.refresh_from_db()
    assert moved.hotline == "110"

    token = preview.context["token"]
    digest = preview.context["preview"].digest
    response = client.post(reverse(IMPORT), {"confirm": "1", "token": token, "digest": digest})

    assert response.status_code == 302
    moved.refresh_from_db()
    assert (moved.hotline, moved.verified_at) == ("12345678", None)
    assert Regulator.objects.filter(name_zh="广州市公安局").exists()
    assert LogEntry.objects.filter(user=admin_user, action_flag=ADDITION).count() == 1
    assert RegulatorChange.objects.filter(regulator=moved, field="hotline", actor=admin_user).exists()
    # And a line in the audit trail per entry the import changed (the model named the
    # action; nothing wrote it).
    from audit.models import Action, AuditEvent

    edits = AuditEvent.objects.filter(action=Action.DIRECTORY_EDIT, actor=admin_user)
    assert edits.count() == 2
    assert edits.filter(detail__contains="hotline").exists()
    # The same confirmation twice does nothing more.
    again = client.post(reverse(IMPORT), {"confirm": "1", "token": token, "digest": digest})
    assert again.status_code == 302
    assert Regulator.objects.count() == 2


def test_another_admins_token_confirms_nothing(client, admin_user):
    client.force_login(admin_user)
    preview = client.post(reverse(IMPORT), {"file": upload("name_zh,kind\n某,police\n")})
    other = UserFactory(role="admin", is_staff=True, is_superuser=True)
    client.force_login(other)

    client.post(
        reverse(IMPORT),
        {"confirm": "1", "token": preview.context["token"], "digest": preview.context["preview"].digest},
    )

    assert not Regulator.objects.exists()


def test_a_picture_given_as_csv_is_refused_with_a_clear_message(client, admin_user):
    from tests.evidence import files

    client.force_login(admin_user)
    picture = SimpleUploadedFile("regulators.csv", files.png(), content_type="text/csv")

    response = client.post(reverse(IMPORT), {"file": picture})

    assert "不是文本 CSV" in str(response.context["form"].errors["file"])
    assert response.context["preview"] is None


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


# --- editing ----------------------------------------------------------------------


def edit(client, regulator, **changes):
    form = (
        client.get(reverse("admin:regulators_regulator_change", args=[regulator.pk]))
        .context["adminform"]
        .form
    )
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["licence_types"] = regulator.licence_types
    data["harassment_kinds"] = regulator.harassment_kinds
    for name in ("deadline_working_days", "active"):
        if not data.get(name):
            data.pop(name, None)
    if "verified_at" in data:
        local = timezone.localtime(data.pop("verified_at"))
        data["verified_at_0"], data["verified_at_1"] = local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")
    data.update(changes)
    return client.post(reverse("admin:regulators_regulator_change", args=[regulator.pk]), data)


def test_a_hotline_changed_by_hand_clears_the_check_and_says_who_changed_it(client, admin_user):
    regulator = RegulatorFactory(kind="police", hotline="110", verified_at=timezone.now() - timedelta(days=2))
    client.force_login(admin_user)

    response = edit(client, regulator, hotline="12345678")

    assert response.status_code == 302
    regulator.refresh_from_db()
    assert (regulator.hotline, regulator.verified_at) == ("12345678", None)
    change = RegulatorChange.objects.get(regulator=regulator, field="hotline")
    assert (change.old, change.new, change.actor, change.source) == ("110", "12345678", admin_user, "admin")
    page = client.get(reverse("admin:regulators_regulator_change", args=[regulator.pk])).content.decode()
    assert "12345678" in page and admin_user.username in page


def test_an_admin_who_sets_a_new_check_date_in_the_same_edit_keeps_it(client, admin_user):
    regulator = RegulatorFactory(
        kind="police", hotline="110", verified_at=timezone.now() - timedelta(days=400)
    )
    client.force_login(admin_user)
    today = timezone.localtime()

    edit(
        client,
        regulator,
        hotline="010-110",
        verified_at_0=today.strftime("%Y-%m-%d"),
        verified_at_1=today.strftime("%H:%M:%S"),
    )

    regulator.refresh_from_db()
    assert regulator.hotline == "010-110"
    assert regulator.verified_at is not None and regulator.verified_at > timezone.now() - timedelta(days=1)
