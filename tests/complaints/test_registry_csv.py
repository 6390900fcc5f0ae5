"""CSV export and all-or-nothing import of brands and institutions (the services)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.utils import timezone, translation

from audit.models import Action, AuditEvent
from complaints.models import (
    BrandFunder,
    Institution,
    InstitutionSource,
    Lender,
    LicenceType,
    Province,
    RegistryChange,
    Verification,
)
from complaints.registry_csv import (
    BRANDS,
    INSTITUTIONS,
    RegistryImportError,
    brands_export_csv,
    import_apply,
    import_preview,
    institutions_export_csv,
)
from complaints.seed import lenders_seed
from tests.factories import InstitutionFactory, LenderFactory, UserFactory

pytestmark = pytest.mark.django_db


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def read_export(content: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.removeprefix("\ufeff"))))


@pytest.fixture(autouse=True)
def english():
    # The messages are asserted in their source language.
    with translation.override("en"):
        yield


@pytest.fixture
def editor(db):
    return UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)


def apply(data: bytes, kind: str, editor, **kwargs):
    return import_apply(data=data, kind=kind, actor=editor, now=timezone.now(), file_name="t.csv", **kwargs)


# --- export -------------------------------------------------------------------------


def test_the_institution_export_holds_each_fact_with_its_source_and_state():
    lenders_seed()
    mashang = Institution.objects.get(seed_key="mashang-consumer-finance")
    InstitutionSource.objects.filter(institution=mashang, fact="registered").update(
        state=Verification.VERIFIED
    )

    rows = read_export(institutions_export_csv(institutions=Institution.objects.order_by("pk")))

    row = next(r for r in rows if r["name"] == "马上消费金融股份有限公司")
    assert (row["licence_type"], row["province"], row["seed_key"]) == (
        "consumer_finance",
        Province.CHONGQING,
        "mashang-consumer-finance",
    )
    assert row["short_names"] == "马上消费金融; 马上消费"
    assert "domain" in row["source_registered"] and row["state_registered"] == "verified"
    assert row["state_name"] == "unverified"
    # A fact nobody cited is exported empty, not as unverified.
    assert (row["source_hotline"], row["state_hotline"]) == ("", "")
    assert len(rows) == Institution.objects.count()


def test_the_brand_export_lists_funder_links_with_period_state_and_source():
    lenders_seed()
    BrandFunder.objects.filter(brand__name="安逸花").update(since=date(2019, 1, 1))

    rows = read_export(brands_export_csv(brands=Lender.objects.order_by("pk")))

    row = next(r for r in rows if r["name"] == "安逸花")
    [line] = row["funders"].splitlines()
    name, since, until, state, source = line.split(" | ")
    assert (name, since, until, state) == ("马上消费金融股份有限公司", "2019-01-01", "", "unverified")
    assert "domain" in source


def test_the_export_defuses_formulas_and_reads_back_without_the_quote(editor):
    brand = LenderFactory(name='=HYPERLINK("http://x")', notes="+1 night")

    content = brands_export_csv(brands=Lender.objects.all())

    row = read_export(content)[0]
    assert row["name"].startswith("'=") and row["notes"] == "'+1 night"
    preview = import_preview(data=content.encode("utf-8"), kind=BRANDS)
    assert preview.ok and [p.instance.pk for p in preview.unchanged] == [brand.pk]


def test_an_unchanged_export_imports_as_no_change():
    lenders_seed()
    for kind, content in (
        (INSTITUTIONS, institutions_export_csv(institutions=Institution.objects.all())),
        (BRANDS, brands_export_csv(brands=Lender.objects.all())),
    ):
        preview = import_preview(data=content.encode("utf-8"), kind=kind)

        assert preview.ok, preview.errors
        assert (preview.added, preview.changed) == ([], [])


# --- import: all or nothing -----------------------------------------------------------


def test_one_bad_row_saves_nothing_and_every_bad_row_is_named(editor):
    data = to_csv(
        [
            ["name", "licence_type", "province", "credit_code", "state_hotline", "hotline"],
            ["甲消费金融有限公司", "consumer_finance", "500000", "", "", ""],
            ["乙小额贷款有限公司", "casino", "500000", "", "", ""],
            ["丙银行", "bank", "990000", "", "", ""],
            ["丁公司", "other", "", "12345", "", ""],
            ["戊公司", "other", "", "", "verified", "95000"],  # a state without a source
        ]
    )

    result = apply(data, INSTITUTIONS, editor)

    assert not Institution.objects.exists()
    assert [e.row for e in result.errors] == [3, 4, 5, 6]
    assert [e.messages[0].split(":")[0] for e in result.errors] == [
        "licence_type",
        "province",
        "credit_code",
        "state_hotline",
    ]


def test_a_good_file_adds_institutions_with_their_citations_and_records_who(editor):
    data = to_csv(
        [
            ["name", "short_names", "licence_type", "province", "hotline", "source_hotline", "state_hotline"],
            [
                "甲消费金融有限公司",
                "甲消金; 甲",
                "consumer_finance",
                "500000",
                "95000",
                "官网 https://example.cn",
                "",
            ],
        ]
    )

    result = apply(data, INSTITUTIONS, editor)

    [institution] = result.created
    institution.refresh_from_db()
    assert (institution.short_names, institution.hotline, institution.confirmed) == (
        "甲消金\n甲",
        "95000",
        True,
    )
    assert institution.admin_edited is not None
    source = InstitutionSource.objects.get(institution=institution, fact="hotline")
    assert (source.source, source.state) == ("官网 https://example.cn", Verification.UNVERIFIED)
    change = RegistryChange.objects.get(institution=institution)
    assert (change.actor, change.source, change.source_detail) == (editor, "import", "t.csv")
    assert AuditEvent.objects.filter(action=Action.DIRECTORY_EDIT, actor=editor).count() == 1


def test_a_hotline_without_its_source_is_refused(editor):
    institution = InstitutionFactory(name="甲公司")

    result = apply(to_csv([["id", "hotline"], [str(institution.pk), "95000"]]), INSTITUTIONS, editor)

    assert result.errors[0].messages[0].startswith("hotline:")
    institution.refresh_from_db()
    assert institution.hotline == ""


def test_an_update_records_each_field_before_and_after_and_keeps_columns_left_out(editor):
    institution = InstitutionFactory(name="甲公司", hotline="111", notes="别动")
    data = to_csv([["id", "hotline", "source_hotline"], [str(institution.pk), "222", "合同 K7Q4M-2XP9B"]])

    result = apply(data, INSTITUTIONS, editor)

    institution.refresh_from_db()
    assert [i.pk for i in result.updated] == [institution.pk]
    assert (institution.hotline, institution.notes) == ("222", "别动")
    fields = dict(RegistryChange.objects.filter(institution=institution).values_list("field", "new"))
    assert fields == {"hotline": "222", "source_hotline": "合同 K7Q4M-2XP9B", "state_hotline": "unverified"}
    assert RegistryChange.objects.get(field="hotline").old == "111"


def test_an_empty_source_cell_keeps_the_citation(editor):
    institution = InstitutionFactory(name="甲公司")
    InstitutionSource.objects.create(
        institution=institution, fact="name", source="工商登记", state="verified"
    )
    data = to_csv([["id", "source_name", "state_name", "notes"], [str(institution.pk), "", "", "备注"]])

    apply(data, INSTITUTIONS, editor)

    source = InstitutionSource.objects.get(institution=institution, fact="name")
    assert (source.source, source.state) == ("工商登记", "verified")


def test_rows_naming_the_same_entry_twice_are_refused(editor):
    institution = InstitutionFactory(name="甲公司")
    data = to_csv(
        [
            ["id", "name", "credit_code"],
            [str(institution.pk), "甲公司", ""],
            [str(institution.pk), "乙公司", ""],
        ]
    )

    preview = import_preview(data=data, kind=INSTITUTIONS)

    assert [e.row for e in preview.errors] == [3]
    assert "row 2" in preview.errors[0].messages[0]


def test_a_merged_entry_cannot_be_changed(editor):
    keep = InstitutionFactory(name="甲公司")
    gone = InstitutionFactory(name="甲公司（重复）", merged_into=keep)

    preview = import_preview(data=to_csv([["id", "notes"], [str(gone.pk), "x"]]), kind=INSTITUTIONS)

    assert "甲公司" in preview.errors[0].messages[0]


def test_it_refuses_a_workbook_and_unknown_columns():
    with pytest.raises(RegistryImportError, match="Excel"):
        import_preview(data=b"PK\x03\x04rest", kind=BRANDS)
    with pytest.raises(RegistryImportError, match="casino"):
        import_preview(data=to_csv([["name", "casino"], ["x", "y"]]), kind=BRANDS)


# --- import: an admin's edit is never overwritten unseen ------------------------------


def test_an_admins_later_edit_is_flagged_and_needs_acknowledging(editor):
    lenders_seed()
    exported = brands_export_csv(brands=Lender.objects.filter(name="安逸花"))
    brand = Lender.objects.get(name="安逸花")
    # After the export, an admin corrects the phone in the admin.
    Lender.objects.filter(pk=brand.pk).update(
        service_phone="95000", admin_edited=timezone.now() + timedelta(minutes=5)
    )
    rows = read_export(exported)
    rows[0]["notes"] = "新备注"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    data = out.getvalue().encode("utf-8")

    preview = import_preview(data=data, kind=BRANDS)

    [plan] = preview.overwrites
    assert "after this file was exported" in plan.warning
    assert ("service_phone", "95000", "") in plan.differences
    with pytest.raises(RegistryImportError):
        apply(data, BRANDS, editor, expected_digest=preview.digest)
    brand.refresh_from_db()
    assert brand.service_phone == "95000"

    apply(data, BRANDS, editor, expected_digest=preview.digest, overwrite_confirmed=True)

    brand.refresh_from_db()
    assert (brand.service_phone, brand.notes) == ("", "新备注")


def test_an_edit_the_export_already_held_is_not_flagged(editor):
    brand = LenderFactory(name="甲App", admin_edited=timezone.now() - timedelta(days=1))
    rows = read_export(brands_export_csv(brands=[brand]))
    data = to_csv([["id", "notes", "admin_edited"], [str(brand.pk), "x", rows[0]["admin_edited"]]])

    preview = import_preview(data=data, kind=BRANDS)

    assert preview.changed and not preview.overwrites


def test_a_change_after_the_preview_makes_the_confirmation_stale(editor):
    institution = InstitutionFactory(name="甲公司", hotline="111")
    data = to_csv([["id", "hotline", "source_hotline"], [str(institution.pk), "222", "官网"]])
    preview = import_preview(data=data, kind=INSTITUTIONS)
    assert preview.ok
    Institution.objects.filter(pk=institution.pk).update(notes="meanwhile")

    with pytest.raises(RegistryImportError):
        apply(data, INSTITUTIONS, editor, expected_digest=preview.digest)

    institution.refresh_from_db()
    assert institution.hotline == "111"


def test_the_seed_leaves_an_imported_entry_alone(editor):
    lenders_seed()
    brand = Lender.objects.get(name="分期乐")
    apply(to_csv([["id", "pinyin"], [str(brand.pk), ""]]), BRANDS, editor)

    lenders_seed()

    brand.refresh_from_db()
    assert brand.pinyin == ""


# --- brands: operator and funders -----------------------------------------------------


def test_a_brand_file_links_funders_and_an_operator_by_name_or_credit_code(editor):
    funder = InstitutionFactory(name="甲消费金融有限公司", credit_code="91500000MA5U000000")
    operator = InstitutionFactory(name="甲科技有限公司", licence_type=LicenceType.PLATFORM)
    data = to_csv(
        [
            ["name", "licence_type", "operator", "operator_source", "funders"],
            [
                "甲App",
                "platform",
                "甲科技有限公司",
                "应用商店开发者信息",
                "91500000MA5U000000 | 2020-01-01 | 2023-06-30 | unverified | 借款合同 K7Q4M-2XP9B",
            ],
        ]
    )

    result = apply(data, BRANDS, editor)

    [brand] = result.created
    assert brand.operator == operator and brand.operator_source == "应用商店开发者信息"
    link = BrandFunder.objects.get(brand=brand)
    assert (link.institution, link.since, link.until, link.source) == (
        funder,
        date(2020, 1, 1),
        date(2023, 6, 30),
        "借款合同 K7Q4M-2XP9B",
    )


def test_a_brand_file_refuses_unknown_funders_uncited_links_and_bad_dates(editor):
    InstitutionFactory(name="甲消费金融有限公司")
    OperatorLess = "乙科技有限公司"
    data = to_csv(
        [
            ["name", "operator", "funders"],
            ["甲App", "", "不存在的银行 | | | | 某页"],
            ["乙App", "", "甲消费金融有限公司 | | | |"],
            ["丙App", "", "甲消费金融有限公司 | 2020-13-01 | | | 某页"],
            ["丁App", "", "甲消费金融有限公司 | 2021-01-01 | 2020-01-01 | | 某页"],
            ["戊App", OperatorLess, ""],
        ]
    )

    result = apply(data, BRANDS, editor)

    assert not Lender.objects.exists()
    assert [e.row for e in result.errors] == [2, 3, 4, 5, 6]
    assert "不存在的银行" in result.errors[0].messages[0]
    assert "published" in result.errors[1].messages[0]


def test_links_not_listed_stay_and_listed_ones_are_updated(editor):
    brand = LenderFactory(name="甲App")
    old = InstitutionFactory(name="旧银行")
    current = InstitutionFactory(name="新消金")
    BrandFunder.objects.create(brand=brand, institution=old, source="旧页")
    BrandFunder.objects.create(brand=brand, institution=current, source="新页")
    data = to_csv([["id", "funders"], [str(brand.pk), "新消金 | | 2024-12-31 | verified |"]])

    apply(data, BRANDS, editor)

    links = {link.institution.name: link for link in BrandFunder.objects.filter(brand=brand)}
    assert set(links) == {"旧银行", "新消金"}
    assert (links["新消金"].until, links["新消金"].state, links["新消金"].source) == (
        date(2024, 12, 31),
        "verified",
        "新页",
    )
    assert RegistryChange.objects.filter(brand=brand, field="funders", actor=editor).exists()
