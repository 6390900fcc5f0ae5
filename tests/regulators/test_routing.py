"""route_for_complaint: the ladder from the lender to legal aid, one test per rule."""

from __future__ import annotations

import pytest
from django.utils import timezone

from complaints.models import HarassmentKind, LicenceType, Province
from regulators.models import Regulator, RegulatorKind
from regulators.routing import FALLBACK_NOTE, GUESS_NOTE, RULES, route_for_complaint
from tests.factories import ComplaintFactory, IncidentFactory, LenderFactory

pytestmark = pytest.mark.django_db

GUANGDONG = Province.GUANGDONG


def make_complaint(licence: str = LicenceType.BANK, *, kinds=(), funding: str | None = None, **overrides):
    """A complaint against a brand of `licence` type, with one incident per kind."""
    lender = LenderFactory(licence_type=licence)
    if funding is not None:
        overrides["funding_institution"] = LenderFactory(licence_type=funding)
    complaint = ComplaintFactory(lender=lender, province=overrides.pop("province", GUANGDONG), **overrides)
    for kind in kinds:
        IncidentFactory(complaint=complaint, kind=kind)
    return complaint


def keys(steps) -> list[str]:
    return ["lender" if s.lender else s.regulator.seed_key for s in steps]


def step_for(steps, seed_key: str):
    return next(s for s in steps if s.regulator and s.regulator.seed_key == seed_key)


def test_it_is_tested_rule_by_rule():
    # Adding a rule to the table means adding its test below, then its name here.
    assert [rule.name for rule in RULES] == [
        "lender_first",
        "bank_or_consumer_finance",
        "micro_loan",
        "platform_if_bank",
        "platform_if_micro_loan",
        "personal_information",
        "harassing_calls",
        "police",
        "unlawful_fees",
        "legal_aid",
    ]


# --- lender_first and legal_aid: every complaint -------------------------------------


def test_it_starts_with_the_lender_itself(seeded):
    complaint = make_complaint(funding=LicenceType.BANK)

    first = route_for_complaint(complaint)[0]

    assert (first.order, first.lender, first.regulator) == (1, complaint.lender, None)
    assert first.rules == ("lender_first",)
    assert first.target == complaint.lender
    assert not first.is_guess


def test_it_ends_with_legal_aid(seeded):
    steps = route_for_complaint(make_complaint(kinds=[HarassmentKind.THREATS]))

    assert steps[-1].regulator.kind == RegulatorKind.LEGAL_AID
    assert steps[-1].rules == ("legal_aid",)
    assert [s.order for s in steps] == list(range(1, len(steps) + 1))


# --- bank_or_consumer_finance ---------------------------------------------------------


@pytest.mark.parametrize("licence", [LicenceType.BANK, LicenceType.CONSUMER_FINANCE])
def test_it_sends_banks_and_consumer_finance_to_the_provincial_nfra_bureau(seeded, licence):
    steps = route_for_complaint(make_complaint(funding=licence))

    assert keys(steps) == ["lender", "nfra-440000", "legal-aid-12348"]
    assert steps[1].rules == ("bank_or_consumer_finance",)
    assert not steps[1].is_guess
    assert str(FALLBACK_NOTE) not in str(steps[1].reason)


def test_it_falls_back_to_the_national_nfra_without_a_province(seeded):
    steps = route_for_complaint(make_complaint(funding=LicenceType.BANK, province=""))

    assert keys(steps)[1] == "nfra"
    assert str(FALLBACK_NOTE) in str(steps[1].reason)


def test_it_falls_back_to_the_national_nfra_when_the_bureau_is_retired(by_key):
    Regulator.objects.filter(seed_key="nfra-440000").update(active=False)

    steps = route_for_complaint(make_complaint(funding=LicenceType.CONSUMER_FINANCE))

    assert keys(steps)[1] == "nfra"


# --- micro_loan -----------------------------------------------------------------------


def test_it_sends_small_loan_companies_to_the_provinces_financial_administration(seeded):
    steps = route_for_complaint(make_complaint(funding=LicenceType.MICRO_LOAN))

    assert keys(steps) == ["lender", "lfb-440000", "legal-aid-12348"]
    assert steps[1].rules == ("micro_loan",)
    assert not steps[1].is_guess


def test_it_falls_back_to_the_national_nfra_for_a_small_loan_company_without_a_bureau(seeded):
    Regulator.objects.filter(seed_key="lfb-440000").update(active=False)

    steps = route_for_complaint(make_complaint(funding=LicenceType.MICRO_LOAN))

    assert keys(steps)[1] == "nfra"
    assert steps[1].rules == ("micro_loan",)
    assert str(FALLBACK_NOTE) in str(steps[1].reason)


# --- platform_if_bank and platform_if_micro_loan --------------------------------------


@pytest.mark.parametrize("licence", [LicenceType.PLATFORM, LicenceType.OTHER])
def test_it_explains_both_possible_regulators_for_a_platform(seeded, licence):
    steps = route_for_complaint(make_complaint(funding=licence))

    assert keys(steps) == ["lender", "nfra-440000", "lfb-440000", "legal-aid-12348"]
    assert [s.rules for s in steps[1:3]] == [("platform_if_bank",), ("platform_if_micro_loan",)]
    # Known funding institution, but its licence alone cannot tell: still a guess.
    assert steps[1].is_guess and steps[2].is_guess
    assert str(GUESS_NOTE) not in str(steps[1].reason)


def test_it_lists_the_national_nfra_once_for_a_platform_without_a_province(seeded):
    steps = route_for_complaint(make_complaint(LicenceType.PLATFORM, province=""))

    assert keys(steps) == ["lender", "nfra", "legal-aid-12348"]
    nfra = steps[1]
    assert nfra.rules == ("platform_if_bank", "platform_if_micro_loan")
    reason = str(nfra.reason)
    assert reason.count(str(GUESS_NOTE)) == 1 and reason.count(str(FALLBACK_NOTE)) == 1


# --- which institution decides ---------------------------------------------------------


def test_the_funding_institution_decides_over_the_brand(seeded):
    complaint = make_complaint(LicenceType.PLATFORM, funding=LicenceType.MICRO_LOAN)

    steps = route_for_complaint(complaint)

    assert keys(steps) == ["lender", "lfb-440000", "legal-aid-12348"]
    assert steps[0].lender == complaint.lender  # the brand the borrower knows
    assert not steps[1].is_guess


def test_it_guesses_from_the_brand_when_the_funding_institution_is_unknown(seeded):
    steps = route_for_complaint(make_complaint(LicenceType.BANK))

    assert keys(steps)[1] == "nfra-440000"
    assert steps[1].is_guess
    assert str(GUESS_NOTE) in str(steps[1].reason)
    assert not steps[0].is_guess and not steps[-1].is_guess


def test_it_follows_a_funding_institution_merged_into_another(seeded):
    survivor = LenderFactory(licence_type=LicenceType.MICRO_LOAN)
    duplicate = LenderFactory(licence_type=LicenceType.OTHER, merged_into=survivor)
    complaint = make_complaint(LicenceType.PLATFORM, funding_institution=duplicate)

    assert keys(route_for_complaint(complaint))[1] == "lfb-440000"


# --- incident rules -------------------------------------------------------------------


@pytest.mark.parametrize("kind", [HarassmentKind.THIRD_PARTIES, HarassmentKind.PUBLIC_SHAMING])
def test_it_sends_personal_information_abuse_to_the_cyberspace_administration(seeded, kind):
    steps = route_for_complaint(make_complaint(funding=LicenceType.BANK, kinds=[kind]))

    assert step_for(steps, "cac-12377").rules == ("personal_information",)


@pytest.mark.parametrize("kind", [HarassmentKind.EXCESSIVE_FREQUENCY, HarassmentKind.NIGHT_CALLS])
def test_it_sends_harassing_calls_to_12321(seeded, kind):
    steps = route_for_complaint(make_complaint(funding=LicenceType.BANK, kinds=[kind]))

    assert keys(steps) == ["lender", "nfra-440000", "miit-12321", "legal-aid-12348"]
    assert steps[2].rules == ("harassing_calls",)


@pytest.mark.parametrize(
    "kind",
    [
        HarassmentKind.THREATS,
        HarassmentKind.INSULTS,
        HarassmentKind.PUBLIC_SHAMING,
        HarassmentKind.IMPERSONATION,
        HarassmentKind.VISIT,
    ],
)
def test_it_sends_threats_insults_shaming_impersonation_and_visits_to_the_police(seeded, kind):
    steps = route_for_complaint(make_complaint(funding=LicenceType.BANK, kinds=[kind]))

    assert step_for(steps, "police-110").rules == ("police",)


def test_it_sends_unlawful_fees_to_nifa(seeded):
    steps = route_for_complaint(
        make_complaint(funding=LicenceType.BANK, kinds=[HarassmentKind.UNLAWFUL_FEES])
    )

    assert keys(steps) == ["lender", "nfra-440000", "nifa", "legal-aid-12348"]
    assert steps[2].rules == ("unlawful_fees",)


def test_it_adds_no_body_for_other_harassment(seeded):
    steps = route_for_complaint(make_complaint(funding=LicenceType.BANK, kinds=[HarassmentKind.OTHER]))

    assert keys(steps) == ["lender", "nfra-440000", "legal-aid-12348"]


# --- the ladder as a whole ---------------------------------------------------------------


def test_the_guangdong_small_loan_example(seeded):
    # A Guangdong borrower of a small-loan company whose collectors blasted the contact
    # list and threatened them.
    complaint = make_complaint(
        funding=LicenceType.MICRO_LOAN,
        kinds=[HarassmentKind.THIRD_PARTIES, HarassmentKind.THREATS, HarassmentKind.THIRD_PARTIES],
    )

    steps = route_for_complaint(complaint)

    assert [s.order for s in steps] == [1, 2, 3, 4, 5]
    assert steps[0].lender == complaint.lender
    assert [(s.regulator.kind, s.regulator.province) for s in steps[1:]] == [
        (RegulatorKind.LOCAL_FINANCIAL_BUREAU, GUANGDONG),
        (RegulatorKind.CYBERSPACE, ""),
        (RegulatorKind.POLICE, ""),
        (RegulatorKind.LEGAL_AID, ""),
    ]
    assert steps[1].regulator.name_zh == "广东省地方金融管理局"


def test_it_lists_a_body_once_when_several_kinds_point_to_it(seeded):
    complaint = make_complaint(
        funding=LicenceType.BANK,
        kinds=[HarassmentKind.THREATS, HarassmentKind.INSULTS, HarassmentKind.VISIT],
    )

    assert keys(route_for_complaint(complaint)) == ["lender", "nfra-440000", "police-110", "legal-aid-12348"]


def test_it_leaves_out_a_body_missing_from_the_directory(seeded):
    Regulator.objects.filter(kind=RegulatorKind.POLICE).update(active=False)

    steps = route_for_complaint(make_complaint(funding=LicenceType.BANK, kinds=[HarassmentKind.THREATS]))

    assert keys(steps) == ["lender", "nfra-440000", "legal-aid-12348"]


def test_it_prefers_the_most_recently_checked_of_two_entries(seeded):
    checked = Regulator.objects.create(
        name_zh="广东省地方金融管理局（新）",
        kind=RegulatorKind.LOCAL_FINANCIAL_BUREAU,
        province=GUANGDONG,
        verified_at=timezone.now(),
    )

    steps = route_for_complaint(make_complaint(funding=LicenceType.MICRO_LOAN))

    assert steps[1].regulator == checked


def test_it_works_on_an_empty_directory(db):
    steps = route_for_complaint(make_complaint(kinds=[HarassmentKind.THREATS]))

    assert keys(steps) == ["lender"]
