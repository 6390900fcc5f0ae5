"""CSV import and export of the directory (the services; the admin views are in test_admin)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from lib.spreadsheets import formula_safe
from regulators.models import Regulator, RegulatorChange, RegulatorKind
from regulators.services import (
    EXPORT_FIELDS,
    RegulatorImportError,
    parse_csv,
    regulators_export_csv,
    regulators_import_csv,
    regulators_import_preview,
)
from tests.factories import RegulatorFactory

pytestmark = pytest.mark.django_db


def to_csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def read_export(content: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.removeprefix("\ufeff"))))


HEADER = ["name_zh", "name_en", "kind", "province", "hotline", "website", "licence_types", "active"]


def test_it_reports_every_bad_row_by_number_and_saves_nothing():
    data = to_csv(
        [
            HEADER,
            [
                "深圳市地方金融管理局",
                "Shenzhen LFA",
                "local_financial_bureau",
                "440000",
                "",
                "",
                "micro_loan",
                "",
            ],
            ["坏机构", "", "bank_regulator", "440000", "", "", "", ""],  # unknown kind
            ["", "", "police", "", "110", "", "", ""],  # no Chinese name
            ["某机构", "", "police", "990000", "", "", "", ""],  # no such province
            ["某机构", "", "police", "", "", "not a url", "", ""],
            ["某机构", "", "police", "", "", "", "bank; casino", ""],
            ["某机构", "", "police", "", "", "", "", "maybe"],
            ["北京市公安局", "Beijing police", "police", "110000", "110", "", "", "no"],
        ]
    )

    result = regulators_import_csv(data=data)

    # All or nothing: two good rows are not saved beside six bad ones.
    assert (result.created, result.updated) == ([], [])
    assert not Regulator.objects.exists()
    assert [e.row for e in result.errors] == [3, 4, 5, 6, 7, 8]
    assert [e.messages[0].split(":")[0] for e in result.errors] == [
        "kind",
        "name_zh",
        "province",
        "website",
        "licence_types",
        "active",
    ]
    assert "casino" in result.errors[4].messages[0]


def test_a_file_without_errors_is_saved_whole():
    data = to_csv(
        [
            HEADER,
            [
                "深圳市地方金融管理局",
                "Shenzhen LFA",
                "local_financial_bureau",
                "440000",
                "",
                "",
                "micro_loan",
                "",
            ],
            ["北京市公安局", "Beijing police", "police", "110000", "110", "", "", "no"],
        ]
    )

    result = regulators_import_csv(data=data)

    assert [r.name_zh for r in result.created] == ["深圳市地方金融管理局", "北京市公安局"]
    assert Regulator.objects.count() == 2
    shenzhen = Regulator.objects.get(name_en="Shenzhen LFA")
    assert (shenzhen.licence_types, shenzhen.active) == (["micro_loan"], True)
    assert Regulator.objects.get(name_en="Beijing police").active is False


def test_it_updates_an_entry_by_id_and_keeps_the_columns_left_out():
    regulator = RegulatorFactory(hotline="110", notes="别动", harassment_kinds=["threats"])
    data = to_csv([["id", "hotline"], [str(regulator.pk), "010-110"]])

    result = regulators_import_csv(data=data)

    regulator.refresh_from_db()
    assert (len(result.created), len(result.updated), result.errors) == (0, 1, [])
    assert (regulator.hotline, regulator.notes, regulator.harassment_kinds) == (
        "010-110",
        "别动",
        ["threats"],
    )


def test_it_reports_an_unknown_id():
    result = regulators_import_csv(data=to_csv([["id", "name_zh", "kind"], ["999", "某", "police"]]))

    assert result.errors[0].row == 2
    assert "999" in result.errors[0].messages[0]


def test_it_checks_a_city_against_its_province():
    data = to_csv([["name_zh", "kind", "province", "city_code"], ["深圳", "police", "110000", "440300"]])

    result = regulators_import_csv(data=data)

    assert result.errors[0].messages[0].startswith("city_code:")
    assert not Regulator.objects.exists()


def test_it_skips_empty_lines_but_counts_them_as_rows():
    data = to_csv([["name_zh", "kind"], ["", ""], ["某", "nope"]])

    result = regulators_import_csv(data=data)

    assert [e.row for e in result.errors] == [3]


def test_it_ignores_empty_columns_after_the_last_one():
    result = regulators_import_csv(data=b"name_zh,kind,,\r\n\xe6\x9f\x90,police,,\r\n")

    assert [r.name_zh for r in result.created] == ["某"]


def test_it_reads_excels_chinese_encoding():
    data = to_csv(
        [["name_zh", "kind"], ["广东省地方金融管理局", "local_financial_bureau"]], encoding="gb18030"
    )

    result = regulators_import_csv(data=data)

    assert result.created[0].name_zh == "广东省地方金融管理局"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["name_zh", "kind", "hotine"]], "hotine"),
        ([["name_zh"]], "name_zh 和 kind"),
        ([["name_zh", "kind", "kind"]], "重复"),
        ([], "空"),
    ],
)
def test_it_refuses_a_file_it_cannot_read(rows, message):
    with pytest.raises(RegulatorImportError, match=message):
        parse_csv(to_csv(rows))


def test_it_refuses_binary_junk():
    with pytest.raises(RegulatorImportError, match="不是文本 CSV"):
        parse_csv(b"\xff\xfe\x00\x81\x30")


def test_it_refuses_a_picture_given_as_csv_instead_of_reading_its_bytes_as_columns():
    # GB18030 decodes nearly any bytes: a PNG used to come back as "unknown column: 塒ng".
    from tests.evidence import files

    with pytest.raises(RegulatorImportError, match="不是文本 CSV") as refused:
        parse_csv(files.png())

    assert "未知" not in str(refused.value)


def test_it_tells_an_excel_workbook_from_a_csv():
    workbook = b"PK\x03\x04" + b"\x14\x00" * 20 + b"[Content_Types].xml"

    with pytest.raises(RegulatorImportError, match="Excel"):
        parse_csv(workbook)


def test_it_refuses_gb18030_text_with_control_bytes():
    with pytest.raises(RegulatorImportError, match="不是文本 CSV"):
        parse_csv("name_zh,kind\n某,police\x1a\n".encode("gb18030"))


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+86 10 12378", "'+86 10 12378"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("12378", "12378"),
        ("国家金融监督管理总局", "国家金融监督管理总局"),
        ("", ""),
    ],
)
def test_it_defuses_formulas_in_exported_cells(cell, safe):
    assert formula_safe(cell) == safe


def test_the_export_guards_every_cell():
    RegulatorFactory(name_zh="=cmd|' /C calc'!A0", hotline="+86 10 110", notes="-2+3", notes_en="@x")

    row = read_export(regulators_export_csv(regulators=Regulator.objects.all()))[0]

    assert row["name_zh"] == "'=cmd|' /C calc'!A0"
    assert (row["hotline"], row["notes"], row["notes_en"]) == ("'+86 10 110", "'-2+3", "'@x")


def test_the_export_opens_in_excel_and_lists_the_columns():
    RegulatorFactory(kind=RegulatorKind.NFRA, licence_types=["bank", "consumer_finance"], active=False)

    content = regulators_export_csv(regulators=Regulator.objects.all())

    assert content.startswith("\ufeff")
    row = read_export(content)[0]
    assert list(row) == EXPORT_FIELDS
    assert (row["licence_types"], row["active"], row["deadline_days"]) == ("bank; consumer_finance", "no", "")


def test_an_export_imported_back_changes_nothing(seeded):
    Regulator.objects.filter(seed_key="nfra").update(hotline="+86 10 12378", notes="=not a formula")
    before = list(Regulator.objects.order_by("pk").values())
    content = regulators_export_csv(regulators=Regulator.objects.order_by("pk"))

    preview = regulators_import_preview(data=content.encode("utf-8"))
    result = regulators_import_csv(data=content.encode("utf-8"))

    assert len(preview.unchanged) == len(before)
    assert (result.created, result.updated, result.errors) == ([], [], [])
    assert not RegulatorChange.objects.exists()
    after = list(Regulator.objects.order_by("pk").values())
    for row in before + after:
        row.pop("updated")
    assert after == before


# --- preview, confirmation and the record of changes ----------------------------------


def test_the_preview_says_what_would_be_added_changed_and_left_alone_and_saves_nothing():
    same = RegulatorFactory(name_zh="某市公安局", kind="police", hotline="110")
    moved = RegulatorFactory(name_zh="某省公安厅", kind="police", hotline="110")
    data = to_csv(
        [
            ["id", "name_zh", "kind", "hotline"],
            [str(same.pk), "某市公安局", "police", "110"],
            [str(moved.pk), "某省公安厅", "police", "12345678"],
            ["", "新机构", "legal_aid", "12348"],
            ["", "坏行", "nonsense", ""],
        ]
    )

    preview = regulators_import_preview(data=data)

    assert [p.row for p in preview.unchanged] == [2]
    assert [(p.row, p.differences) for p in preview.changed] == [(3, [("hotline", "110", "12345678")])]
    assert [(p.row, p.regulator.name_zh) for p in preview.added] == [(4, "新机构")]
    assert [e.row for e in preview.errors] == [5]
    assert not preview.ok
    moved.refresh_from_db()
    assert moved.hotline == "110"
    assert Regulator.objects.count() == 2


def test_two_rows_for_one_entry_are_an_error():
    regulator = RegulatorFactory()
    data = to_csv([["id", "hotline"], [str(regulator.pk), "1"], [str(regulator.pk), "2"]])

    preview = regulators_import_preview(data=data)

    assert [(e.row, "2" in e.messages[0]) for e in preview.errors] == [(3, True)]


def test_a_confirmation_of_a_stale_preview_changes_nothing():
    regulator = RegulatorFactory(hotline="110")
    data = to_csv([["id", "hotline"], [str(regulator.pk), "12345678"]])
    preview = regulators_import_preview(data=data)
    Regulator.objects.filter(pk=regulator.pk).update(hotline="010-110")  # someone else, meanwhile

    with pytest.raises(RegulatorImportError, match="预览"):
        regulators_import_csv(data=data, expected_digest=preview.digest)

    regulator.refresh_from_db()
    assert regulator.hotline == "010-110"


def test_an_imported_contact_change_clears_the_check_and_is_recorded(admin_user):
    checked = timezone.now() - timedelta(days=3)
    regulator = RegulatorFactory(hotline="110", notes="旧", verified_at=checked)
    untouched = RegulatorFactory(hotline="12348", verified_at=checked)
    data = to_csv(
        [["id", "hotline", "notes"], [str(regulator.pk), "12345678", "新"], [str(untouched.pk), "12348", ""]]
    )
    now = timezone.now()

    regulators_import_csv(data=data, actor=admin_user, now=now)

    regulator.refresh_from_db()
    untouched.refresh_from_db()
    assert regulator.verified_at is None
    changes = {c.field: c for c in RegulatorChange.objects.filter(regulator=regulator)}
    assert set(changes) == {"hotline", "notes", "verified_at"}
    assert (changes["hotline"].old, changes["hotline"].new) == ("110", "12345678")
    assert changes["hotline"].actor == admin_user and changes["hotline"].created == now
    assert changes["hotline"].source == RegulatorChange.Source.IMPORT
    assert admin_user.username in changes["hotline"].actor_label
    # A row that changes a note only keeps its check: the check is of contacts and deadlines.
    assert untouched.verified_at == checked


def test_a_note_alone_keeps_the_check():
    checked = timezone.now() - timedelta(days=3)
    regulator = RegulatorFactory(notes="旧", verified_at=checked)

    regulators_import_csv(data=to_csv([["id", "notes"], [str(regulator.pk), "新"]]))

    regulator.refresh_from_db()
    assert regulator.verified_at == checked
    assert list(RegulatorChange.objects.values_list("field", flat=True)) == ["notes"]
