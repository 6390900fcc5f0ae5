"""route_for_complaint: the ladder from the lender of record to legal aid, one test per rule.

Supervision follows the lender's licence and its REGISTERED province; the borrower's
province chooses only the police, the consumer association and legal aid.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from complaints.models import BrandFunder, HarassmentKind, LicenceType, Outcome, Province, SupervisorKind
from regulators.models import Regulator, RegulatorKind
from regulators.routing import (
    ASK_FUNDER_NOTE,
    BRAND_LICENCE_NOTE,
    FALLBACK_NOTE,
    INFERRED_NOTE,
    RULES,
    UNREGISTERED_NOTE,
    RouteQuery,
    province_from,
    route_for,
    route_for_complaint,
)
from tests.factories import ComplaintFactory, IncidentFactory, InstitutionFactory, LenderFactory

pytestmark = pytest.mark.django_db

GUANGDONG = Province.GUANGDONG
SHANGHAI = Province.SHANGHAI
CHONGQING = Province.CHONGQING


def make_complaint(
    licence: str = LicenceType.PLATFORM,
    *,
    kinds=(),
    funding: str | None = None,
    registered: str = CHONGQING,
    **overrides,
):
    """A complaint about a brand of `licence` type, funded by an institution of `funding`
    type registered in `registered`, with one incident per kind."""
    brand = overrides.pop("lender", None) or LenderFactory(licence_type=licence)
    if funding is not None:
        overrides["funding_institution"] = InstitutionFactory(licence_type=funding, province=registered)
    complaint = ComplaintFactory(lender=brand, province=overrides.pop("province", GUANGDONG), **overrides)
    for kind in kinds:
        IncidentFactory(complaint=complaint, kind=kind)
    return complaint


def keys(steps) -> list[str]:
    return [s.role if s.role else s.regulator.seed_key for s in steps]


def step_for(steps, seed_key: str):
    return next(s for s in steps if s.regulator and s.regulator.seed_key == seed_key)


def test_it_is_tested_rule_by_rule():
    # Adding a rule to the table means adding its test below, then its name here.
    assert [rule.name for rule in RULES] == [
        "lender_first",
        "platform_operator",
        "nfra_where_registered",
        "local_financial_where_registered",
        "central_bank_override",
        "unknown_funder",
        "credit_report",
        "personal_information",
        "harassing_calls",
        "police",
        "unlawful_fees",
        "consumer_rights",
        "legal_aid",
    ]


# --- lender_first and legal_aid: every complaint -------------------------------------


def test_it_starts_with_the_lender_of_record_through_the_brand(seeded):
    complaint = make_complaint(funding=LicenceType.BANK)

    first = route_for_complaint(complaint)[0]

    assert (first.order, first.role, first.lender, first.regulator) == (1, "lender", complaint.lender, None)
    assert first.institution == complaint.funding_institution
    assert first.target == complaint.funding_institution
    assert first.rules == ("lender_first",)
    assert first.certain


def test_it_ends_with_legal_aid(seeded):
    steps = route_for_complaint(make_complaint(funding=LicenceType.BANK, kinds=[HarassmentKind.THREATS]))

    assert steps[-1].regulator.kind == RegulatorKind.LEGAL_AID
    assert steps[-1].rules == ("legal_aid",)
    assert [s.order for s in steps] == list(range(1, len(steps) + 1))


def test_legal_aid_is_the_borrowers_provinces_when_there_is_one(seeded):
    local = Regulator.objects.create(
        name_zh="上海市法律援助中心", kind=RegulatorKind.LEGAL_AID, province=SHANGHAI
    )

    steps = route_for_complaint(make_complaint(funding=LicenceType.BANK, province=SHANGHAI))

    assert steps[-1].regulator == local


# --- nfra_where_registered ----------------------------------------------------------------


@pytest.mark.parametrize(
    "licence",
    [LicenceType.BANK, LicenceType.CONSUMER_FINANCE, LicenceType.TRUST, LicenceType.FINANCIAL_LEASING],
)
def test_it_sends_nfra_supervised_lenders_to_the_bureau_where_they_are_registered(seeded, licence):
    steps = route_for_complaint(make_complaint(funding=licence, registered=CHONGQING, province=GUANGDONG))

    assert keys(steps) == ["lender", "nfra-500000", "legal-aid-12348"]
    assert steps[1].rules == ("nfra_where_registered",)
    assert steps[1].certain


def test_a_chongqing_consumer_finance_company_for_a_guangdong_borrower_goes_to_the_chongqing_bureau(seeded):
    complaint = make_complaint(funding=LicenceType.CONSUMER_FINANCE, registered=CHONGQING, province=GUANGDONG)

    steps = route_for_complaint(complaint)

    assert steps[1].regulator.name_zh == "国家金融监督管理总局重庆监管局"
    assert steps[1].rules == ("nfra_where_registered",)


def test_it_falls_back_to_the_national_nfra_when_the_registration_is_unknown(seeded):
    steps = route_for_complaint(make_complaint(funding=LicenceType.BANK, registered=""))

    assert keys(steps)[1] == "nfra"
    assert str(UNREGISTERED_NOTE) in str(steps[1].reason)


def test_it_falls_back_to_the_national_nfra_when_the_bureau_is_retired(seeded):
    Regulator.objects.filter(seed_key="nfra-500000").update(active=False)

    steps = route_for_complaint(make_complaint(funding=LicenceType.CONSUMER_FINANCE))

    assert keys(steps)[1] == "nfra"
    assert str(FALLBACK_NOTE) in str(steps[1].reason)


# --- local_financial_where_registered -------------------------------------------------------


@pytest.mark.parametrize(
    "licence", [LicenceType.MICRO_LOAN, LicenceType.ONLINE_MICRO_LOAN, LicenceType.FINANCING_GUARANTEE]
)
def test_a_chongqing_small_loan_company_for_a_shanghai_borrower_goes_to_chongqing(seeded, licence):
    steps = route_for_complaint(make_complaint(funding=licence, registered=CHONGQING, province=SHANGHAI))

    assert keys(steps) == ["lender", "lfb-500000", "legal-aid-12348"]
    assert steps[1].regulator.name_zh == "重庆市地方金融管理局"
    assert steps[1].rules == ("local_financial_where_registered",)
    assert steps[1].certain


def test_it_falls_back_to_the_national_nfra_for_a_small_loan_company_without_a_bureau(seeded):
    Regulator.objects.filter(seed_key="lfb-500000").update(active=False)

    steps = route_for_complaint(make_complaint(funding=LicenceType.MICRO_LOAN))

    assert keys(steps)[1] == "nfra"
    assert str(FALLBACK_NOTE) in str(steps[1].reason)


# --- central_bank_override, and admins' overrides -----------------------------------------


def test_an_admins_override_decides_over_the_licence(seeded):
    complaint = make_complaint(funding=LicenceType.MICRO_LOAN, registered=CHONGQING)
    complaint.funding_institution.supervisor_override = SupervisorKind.NFRA
    complaint.funding_institution.supervisor_override_province = Province.BEIJING
    complaint.funding_institution.supervisor_override_reason = "监管转移"
    complaint.funding_institution.save()

    steps = route_for_complaint(complaint)

    assert keys(steps)[1] == "nfra-110000"


def test_an_override_to_the_central_bank_routes_there(seeded):
    complaint = make_complaint(funding=LicenceType.OTHER)
    complaint.funding_institution.supervisor_override = SupervisorKind.CENTRAL_BANK
    complaint.funding_institution.save()

    steps = route_for_complaint(complaint)

    assert step_for(steps, "pboc").rules == ("central_bank_override",)


# --- platform_operator and unknown_funder -------------------------------------------------


def test_a_platform_only_brand_names_the_operator_and_asks_for_the_funder(seeded):
    operator = InstitutionFactory(name="某某科技有限公司", licence_type=LicenceType.PLATFORM)
    brand = LenderFactory(licence_type=LicenceType.PLATFORM, operator=operator)

    steps = route_for_complaint(make_complaint(lender=brand))

    assert keys(steps) == ["lender", "operator", "nfra", "legal-aid-12348"]
    assert steps[0].is_guess and str(ASK_FUNDER_NOTE) in str(steps[0].reason)
    assert steps[1].institution == operator and steps[1].rules == ("platform_operator",)
    assert steps[2].rules == ("unknown_funder",)
    assert steps[2].is_guess and "出借人" in str(steps[2].uncertain)


def test_the_operator_is_a_second_addressee_beside_a_known_funder(seeded):
    operator = InstitutionFactory(licence_type=LicenceType.PLATFORM)
    brand = LenderFactory(licence_type=LicenceType.PLATFORM, operator=operator)

    steps = route_for_complaint(make_complaint(lender=brand, funding=LicenceType.MICRO_LOAN))

    assert keys(steps) == ["lender", "operator", "lfb-500000", "legal-aid-12348"]
    assert all(s.certain for s in steps)


def test_a_brand_with_one_funder_is_routed_by_that_funder(seeded):
    funder = InstitutionFactory(licence_type=LicenceType.CONSUMER_FINANCE, province=CHONGQING)
    brand = LenderFactory(licence_type=LicenceType.CONSUMER_FINANCE)
    BrandFunder.objects.create(brand=brand, institution=funder, source="domain notes")

    steps = route_for_complaint(make_complaint(lender=brand, province=GUANGDONG))

    assert keys(steps) == ["lender", "nfra-500000", "legal-aid-12348"]
    assert steps[0].institution == funder
    assert str(INFERRED_NOTE) in str(steps[0].reason)
    # Not a platform: the brand is its funder's own app.
    assert steps[0].certain and steps[1].certain


def test_a_platform_with_several_funders_asks_which_one(seeded):
    brand = LenderFactory(licence_type=LicenceType.PLATFORM)
    for name in ("甲银行", "乙小贷"):
        BrandFunder.objects.create(brand=brand, institution=InstitutionFactory(name=name), source="x")

    steps = route_for_complaint(make_complaint(lender=brand))

    assert steps[0].institution is None and steps[0].is_guess
    assert keys(steps)[1] == "nfra"


def test_it_guesses_from_the_brands_own_licence_without_a_funder(seeded):
    steps = route_for_complaint(make_complaint(LicenceType.MICRO_LOAN))

    # The kind of body, not its province: the borrower's province is never the guess.
    assert keys(steps)[1] == "nfra"
    assert steps[1].is_guess
    assert str(BRAND_LICENCE_NOTE) in str(steps[1].reason)


def test_it_follows_a_funding_institution_merged_into_another(seeded):
    survivor = InstitutionFactory(licence_type=LicenceType.MICRO_LOAN, province=CHONGQING)
    duplicate = InstitutionFactory(licence_type=LicenceType.OTHER, merged_into=survivor)
    complaint = make_complaint(funding_institution=duplicate)

    assert keys(route_for_complaint(complaint))[1] == "lfb-500000"


# --- credit_report ----------------------------------------------------------------------------


def test_credit_report_harm_goes_to_12363(seeded):
    complaint = make_complaint(funding=LicenceType.BANK, desired_outcomes=[Outcome.CORRECT_RECORDS])

    step = step_for(route_for_complaint(complaint), "pboc")

    assert step.rules == ("credit_report",)
    assert step.regulator.hotline == "12363"


# --- incident rules -------------------------------------------------------------------


@pytest.mark.parametrize("kind", [HarassmentKind.THIRD_PARTIES, HarassmentKind.PUBLIC_SHAMING])
def test_it_sends_personal_information_abuse_to_the_cyberspace_administration(seeded, kind):
    steps = route_for_complaint(make_complaint(funding=LicenceType.BANK, kinds=[kind]))

    assert step_for(steps, "cac-12377").rules == ("personal_information",)


@pytest.mark.parametrize("kind", [HarassmentKind.EXCESSIVE_FREQUENCY, HarassmentKind.NIGHT_CALLS])
def test_it_sends_harassing_calls_to_12321(seeded, kind):
    steps = route_for_complaint(make_complaint(funding=LicenceType.BANK, kinds=[kind]))

    assert keys(steps) == ["lender", "nfra-500000", "miit-12321", "legal-aid-12348"]
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


def test_the_police_are_the_borrowers_own(seeded):
    local = Regulator.objects.create(name_zh="上海市公安局", kind=RegulatorKind.POLICE, province=SHANGHAI)

    steps = route_for_complaint(
        make_complaint(funding=LicenceType.MICRO_LOAN, province=SHANGHAI, kinds=[HarassmentKind.THREATS])
    )

    assert local in [s.regulator for s in steps]


def test_it_sends_unlawful_fees_to_nifa_and_the_consumer_association(seeded):
    steps = route_for_complaint(
        make_complaint(funding=LicenceType.BANK, kinds=[HarassmentKind.UNLAWFUL_FEES])
    )

    assert keys(steps) == ["lender", "nfra-500000", "nifa", "samr-12315", "legal-aid-12348"]
    assert steps[2].rules == ("unlawful_fees",)
    assert steps[3].rules == ("consumer_rights",)
    # 12315 may decline finance matters: a guess, and it says why.
    assert steps[3].is_guess and "12315" in str(steps[3].uncertain)


def test_it_adds_no_body_for_other_harassment(seeded):
    steps = route_for_complaint(make_complaint(funding=LicenceType.BANK, kinds=[HarassmentKind.OTHER]))

    assert keys(steps) == ["lender", "nfra-500000", "legal-aid-12348"]


# --- the ladder as a whole ---------------------------------------------------------------


def test_the_shanghai_borrower_of_a_chongqing_small_loan_company(seeded):
    # A Shanghai borrower of a Chongqing online small-loan company whose collectors blasted
    # the contact list and threatened them.
    complaint = make_complaint(
        funding=LicenceType.ONLINE_MICRO_LOAN,
        registered=CHONGQING,
        province=SHANGHAI,
        kinds=[HarassmentKind.THIRD_PARTIES, HarassmentKind.THREATS, HarassmentKind.THIRD_PARTIES],
    )

    steps = route_for_complaint(complaint)

    assert [s.order for s in steps] == [1, 2, 3, 4, 5]
    assert [(s.regulator.kind, s.regulator.province) for s in steps[1:]] == [
        (RegulatorKind.LOCAL_FINANCIAL_BUREAU, CHONGQING),
        (RegulatorKind.CYBERSPACE, ""),
        (RegulatorKind.POLICE, ""),
        (RegulatorKind.LEGAL_AID, ""),
    ]


def test_it_lists_a_body_once_when_several_kinds_point_to_it(seeded):
    complaint = make_complaint(
        funding=LicenceType.BANK,
        kinds=[HarassmentKind.THREATS, HarassmentKind.INSULTS, HarassmentKind.VISIT],
    )

    assert keys(route_for_complaint(complaint)) == ["lender", "nfra-500000", "police-110", "legal-aid-12348"]


def test_it_leaves_out_a_body_missing_from_the_directory(seeded):
    Regulator.objects.filter(kind=RegulatorKind.POLICE).update(active=False)

    steps = route_for_complaint(make_complaint(funding=LicenceType.BANK, kinds=[HarassmentKind.THREATS]))

    assert keys(steps) == ["lender", "nfra-500000", "legal-aid-12348"]


def test_it_prefers_the_most_recently_checked_of_two_entries(seeded):
    checked = Regulator.objects.create(
        name_zh="重庆市地方金融管理局（新）",
        kind=RegulatorKind.LOCAL_FINANCIAL_BUREAU,
        province=CHONGQING,
        verified_at=timezone.now(),
    )

    steps = route_for_complaint(make_complaint(funding=LicenceType.MICRO_LOAN))

    assert steps[1].regulator == checked


def test_it_works_on_an_empty_directory(db):
    steps = route_for_complaint(make_complaint(kinds=[HarassmentKind.THREATS]))

    assert keys(steps) == ["lender"]


def test_it_routes_without_a_complaint(seeded):
    funder = InstitutionFactory(licence_type=LicenceType.CONSUMER_FINANCE, province=CHONGQING)

    steps = route_for(RouteQuery(funder=funder, province=GUANGDONG))

    assert keys(steps) == ["lender", "nfra-500000", "legal-aid-12348"]


@pytest.mark.parametrize("value", ["500000", "重庆", "重庆市", "Chongqing", "chongqing"])
def test_a_province_is_read_from_its_code_or_name(value):
    assert province_from(value) == CHONGQING


def test_an_unknown_province_is_empty():
    assert province_from("Atlantis") == ""
