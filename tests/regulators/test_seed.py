"""seed_regulators: every national body and two local entries per province, added once."""

from __future__ import annotations

from datetime import time
from io import StringIO

import pytest
from django.core.management import call_command

from complaints.models import LicenceType, Province
from escalations.models import ConductRule
from escalations.seed import conduct_rules_seed
from escalations.seed_data import CONDUCT_RULES
from regulators.models import Regulator, RegulatorKind
from regulators.seed_data import NATIONAL, PROVINCE_NAMES, seed_entries
from regulators.services import regulators_seed

pytestmark = pytest.mark.django_db

EXPECTED = len(NATIONAL) + 2 * len(Province.values)


def test_it_seeds_every_national_body_and_two_entries_per_province():
    result = regulators_seed()

    assert result.created == EXPECTED == 9 + 62
    assert result.existing == 0
    assert Regulator.objects.filter(province="").count() == len(NATIONAL)
    for code in Province.values:
        kinds = sorted(Regulator.objects.filter(province=code).values_list("kind", flat=True))
        assert kinds == sorted([RegulatorKind.NFRA, RegulatorKind.LOCAL_FINANCIAL_BUREAU])


@pytest.mark.parametrize(
    ("key", "kind", "hotline", "website"),
    [
        ("nfra", RegulatorKind.NFRA, "12378", "https://www.nfra.gov.cn/"),
        ("pboc", RegulatorKind.CENTRAL_BANK, "12363", "https://www.pbc.gov.cn/"),
        ("samr-12315", RegulatorKind.MARKET_REGULATION, "12315", "https://www.12315.cn/"),
        ("cac-12377", RegulatorKind.CYBERSPACE, "12377", "https://www.12377.cn/"),
        ("miit-12321", RegulatorKind.TELECOMS_REPORTING, "12321", "https://www.12321.cn/"),
        ("nifa", RegulatorKind.INDUSTRY_ASSOCIATION, "", "https://jubao.nifa.org.cn/"),
        ("police-110", RegulatorKind.POLICE, "110", ""),
        ("legal-aid-12348", RegulatorKind.LEGAL_AID, "12348", "https://www.12348.gov.cn/"),
        ("court", RegulatorKind.COURT, "", ""),
    ],
)
def test_it_seeds_the_national_hotlines_and_sites(by_key, key, kind, hotline, website):
    regulator = by_key(key)

    assert (regulator.kind, regulator.province, regulator.hotline, regulator.website) == (
        kind,
        "",
        hotline,
        website,
    )


def test_it_runs_twice_without_adding_anything():
    regulators_seed()

    again = regulators_seed()

    assert (again.created, again.existing) == (0, EXPECTED)
    assert Regulator.objects.count() == EXPECTED


def test_it_keeps_an_admins_edit(by_key):
    nfra = by_key("nfra")
    nfra.hotline = "010-12345678"
    nfra.name_en = "NFRA (checked)"
    nfra.active = False
    nfra.save()

    regulators_seed()

    nfra.refresh_from_db()
    assert (nfra.hotline, nfra.name_en, nfra.active) == ("010-12345678", "NFRA (checked)", False)
    assert Regulator.objects.count() == EXPECTED


def test_it_leaves_admin_made_entries_alone(seeded):
    Regulator.objects.create(name_zh="深圳市地方金融管理局", kind=RegulatorKind.LOCAL_FINANCIAL_BUREAU)

    regulators_seed()

    assert Regulator.objects.count() == EXPECTED + 1


def test_it_brings_back_a_deleted_entry(by_key):
    # Documented: retire an entry by unticking "active", not by deleting it.
    by_key("court").delete()

    result = regulators_seed()

    assert result.created == 1
    assert Regulator.objects.filter(seed_key="court").exists()


def test_it_invents_no_contact_details_for_local_financial_administrations(seeded):
    for regulator in Regulator.objects.filter(kind=RegulatorKind.LOCAL_FINANCIAL_BUREAU):
        assert regulator.province
        assert regulator.licence_types == [LicenceType.MICRO_LOAN]
        channels = [regulator.hotline, regulator.website, regulator.email, regulator.postal_address]
        assert [*channels, regulator.in_person] == [""] * 5
        assert "admin" in regulator.notes_en and "管理员" in regulator.notes


def test_it_gives_each_province_an_nfra_bureau_on_12378(by_key):
    for code in Province.values:
        bureau = by_key(f"nfra-{code}")
        assert bureau.kind == RegulatorKind.NFRA
        assert bureau.hotline == "12378"
        assert bureau.licence_types == [LicenceType.BANK, LicenceType.CONSUMER_FINANCE]

    assert by_key("nfra-440000").name_zh == "国家金融监督管理总局广东监管局"
    assert by_key("lfb-440000").name_zh == "广东省地方金融管理局"


def test_it_takes_deadlines_from_the_domain_notes(by_key):
    samr = by_key("samr-12315")
    nfra = by_key("nfra")

    assert (samr.deadline_days, samr.deadline_working_days) == (7, True)
    assert "第14条" in samr.deadline_rule and "LawRefBook" in samr.deadline_source
    # The 12378 figure comes from a secondary site: it is stored, and flagged everywhere it shows.
    assert (nfra.deadline_days, nfra.deadline_working_days) == (15, True)
    assert "unconfirmed" in nfra.deadline_rule and "unconfirmed" in nfra.deadline_source
    assert "unconfirmed" in nfra.notes_en and "未经核实" in nfra.notes


def test_it_leaves_every_entry_for_an_admin_to_check(seeded):
    assert not Regulator.objects.filter(verified_at__isnull=False).exists()


def test_it_seeds_only_valid_entries(seeded):
    for regulator in Regulator.objects.all():
        regulator.full_clean()


def test_the_seed_keys_are_unique_and_every_province_is_named():
    keys = [entry["seed_key"] for entry in seed_entries()]

    assert len(keys) == len(set(keys))
    assert set(PROVINCE_NAMES) == set(Province.values)


def test_the_command_reports_what_it_did(db):
    out = StringIO()

    for _run in range(2):
        call_command("seed_regulators", stdout=out)
        call_command("seed_conduct_rules", stdout=out)

    assert out.getvalue().splitlines() == [
        f"Regulators: {EXPECTED} added, 0 already present.",
        f"Conduct rules: {len(CONDUCT_RULES)} added, 0 already present.",
        f"Regulators: 0 added, {EXPECTED} already present.",
        f"Conduct rules: 0 added, {len(CONDUCT_RULES)} already present.",
    ]


# --- Conduct rules ------------------------------------------------------------------


def test_it_seeds_the_conduct_rules_once():
    first = conduct_rules_seed()
    again = conduct_rules_seed()

    assert (first.created, first.existing) == (len(CONDUCT_RULES), 0)
    assert (again.created, again.existing) == (0, len(CONDUCT_RULES))
    assert ConductRule.objects.count() == len(CONDUCT_RULES)


def test_it_seeds_the_limits_and_hours_of_the_domain_notes(conduct_rules):
    rules = {r.code: r for r in ConductRule.objects.all()}

    assert (rules["nifa-quiet-hours"].quiet_from, rules["nifa-quiet-hours"].quiet_until) == (
        time(22),
        time(8),
    )
    assert (rules["cba-quiet-hours"].quiet_from, rules["cba-quiet-hours"].quiet_until) == (time(22), time(8))
    assert rules["nifa-connected-calls"].max_per_day == 3
    assert rules["cba-dials-per-contact"].max_per_day == 6
    assert rules["cba-visits"].possible_only
    assert "第22条" in rules["cba-visits"].source
    assert rules["nifa-unlawful-fees"].incident_kinds == ["unlawful_fees"]


def test_it_seeds_every_rule_unconfirmed_active_and_valid(conduct_rules):
    # The domain notes could check none of these texts against the original.
    for rule in ConductRule.objects.all():
        rule.full_clean()
        assert (rule.confirmed, rule.active) == (False, True)
        assert rule.source and rule.source_reference and rule.name_en


def test_it_keeps_an_admins_edit_of_a_rule(conduct_rules):
    ConductRule.objects.filter(code="nifa-connected-calls").update(max_per_day=5, active=False)

    conduct_rules_seed()

    rule = ConductRule.objects.get(code="nifa-connected-calls")
    assert (rule.max_per_day, rule.active) == (5, False)


def test_it_brings_back_a_deleted_rule(conduct_rules):
    ConductRule.objects.filter(code="cba-insults").delete()

    assert conduct_rules_seed().created == 1
