"""Where a complaint should go, step by step: the lender of record, the platform, then the
regulators that supervise them, then the bodies of the borrower's own province.

The whole decision is the RULES table below. Each rule says when it applies (which body
supervises the lender of record, the kinds of harassment recorded, what the borrower
wants), which kind of body it sends the borrower to, in which province, and why in one
sentence. Supervision follows the lender's licence and its **registered** province, never
the borrower's (SUPERVISOR_BY_LICENCE; an admin may override it per institution with a
reason): a small-loan company answers to the local financial regulator where it is
registered, a bank or consumer finance company to the national regulator's bureau there.
The borrower's province still chooses the police, the consumer association and legal aid.

`route_for` applies the table to a RouteQuery; it never hard-codes a body or a phone
number: those come from the directory, which admins keep.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from complaints.models import (
    BrandFunder,
    Complaint,
    HarassmentKind,
    Institution,
    Lender,
    LicenceType,
    Outcome,
    Province,
)
from complaints.registry import current_funders, surviving

from .models import Regulator, RegulatorKind
from .seed_data import PROVINCE_NAMES
from .selectors import active_regulators

# Not regulator kinds: the steps that point at the lender of record and the platform.
LENDER = "lender"
OPERATOR = "operator"
# Kinds with an office per province; the national entry only stands in for a missing one.
LOCAL_FIRST = frozenset(
    {RegulatorKind.NFRA, RegulatorKind.LOCAL_FINANCIAL_BUREAU, RegulatorKind.POLICE, RegulatorKind.LEGAL_AID}
)

# Where a rule looks for the body's office.
REGISTERED = "registered"  # the province where the supervised lender is registered
BORROWER = "borrower"  # the borrower's province
NATIONAL = "national"

H = HarassmentKind
L = LicenceType

# Which kind of body supervises a licence type. Platforms and unknown licences have none:
# the funder behind them decides.
SUPERVISOR_BY_LICENCE: dict[str, str] = {
    L.BANK: RegulatorKind.NFRA,
    L.CONSUMER_FINANCE: RegulatorKind.NFRA,
    L.TRUST: RegulatorKind.NFRA,
    L.FINANCIAL_LEASING: RegulatorKind.NFRA,
    L.MICRO_LOAN: RegulatorKind.LOCAL_FINANCIAL_BUREAU,
    L.ONLINE_MICRO_LOAN: RegulatorKind.LOCAL_FINANCIAL_BUREAU,
    L.FINANCING_GUARANTEE: RegulatorKind.LOCAL_FINANCIAL_BUREAU,
}
UNKNOWN = "unknown"  # the supervisor cannot be told: no funder known, or no licence


@dataclass(frozen=True)
class Rule:
    name: str
    order: int
    target: str  # a RegulatorKind value, LENDER or OPERATOR
    reason: Promise
    place: str = NATIONAL
    # Conditions; None means "whatever it is". Several given: all must hold.
    supervisors: frozenset[str] | None = None  # the supervisor kind of the lender of record, or UNKNOWN
    harassment_kinds: frozenset[str] | None = None  # any incident of any of these kinds
    outcomes: frozenset[str] | None = None  # any of these requests
    # When there is no entry of `target` for the province or nationally.
    fallback: str | None = None
    # The rule itself cannot be sure (the lender of record is unknown, or the body may decline).
    uncertain: Promise | None = None


RULES: list[Rule] = [
    Rule(
        name="lender_first",
        order=10,
        target=LENDER,
        reason=_(
            "Complain to the lender first, in writing, and keep a copy: it answers for the collectors it "
            "hires, and regulators ask whether you tried it."
        ),
    ),
    Rule(
        name="platform_operator",
        order=15,
        target=OPERATOR,
        reason=_(
            "The app is run by a platform company that is not the lender; send it the same complaint, "
            "since it usually hires or manages the collectors."
        ),
    ),
    Rule(
        name="nfra_where_registered",
        order=20,
        target=RegulatorKind.NFRA,
        place=REGISTERED,
        supervisors=frozenset({RegulatorKind.NFRA}),
        reason=_(
            "Banks and consumer finance companies are supervised by the National Financial Regulatory "
            "Administration's bureau in the province where they are registered (12378 nationwide)."
        ),
    ),
    Rule(
        name="local_financial_where_registered",
        order=20,
        target=RegulatorKind.LOCAL_FINANCIAL_BUREAU,
        place=REGISTERED,
        supervisors=frozenset({RegulatorKind.LOCAL_FINANCIAL_BUREAU}),
        fallback=RegulatorKind.NFRA,
        reason=_(
            "Small-loan companies, online ones included, are supervised by the local financial "
            "administration of the province where they are registered, not where you live."
        ),
    ),
    Rule(
        name="central_bank_override",
        order=20,
        target=RegulatorKind.CENTRAL_BANK,
        place=REGISTERED,
        supervisors=frozenset({RegulatorKind.CENTRAL_BANK}),
        reason=_("An admin recorded that this lender is supervised by the People's Bank of China."),
    ),
    Rule(
        name="unknown_funder",
        order=20,
        target=RegulatorKind.NFRA,
        place=NATIONAL,
        supervisors=frozenset({UNKNOWN}),
        uncertain=_(
            "We do not know the lender named in your loan contract, so we cannot tell which regulator "
            "supervises it. Look on your contract for 出借人 or 贷款人 and add it to your complaint."
        ),
        reason=_(
            "12378 takes complaints about banks and consumer finance companies anywhere and passes them "
            "to the right bureau; if your contract names a small-loan company, its province's local "
            "financial administration is the one."
        ),
    ),
    Rule(
        name="credit_report",
        order=25,
        target=RegulatorKind.CENTRAL_BANK,
        outcomes=frozenset({Outcome.CORRECT_RECORDS}),
        reason=_(
            "Wrong entries in your credit report, or collectors reporting you to credit bureaus, are for "
            "the People's Bank of China (12363)."
        ),
    ),
    Rule(
        name="personal_information",
        order=30,
        target=RegulatorKind.CYBERSPACE,
        harassment_kinds=frozenset({H.THIRD_PARTIES, H.PUBLIC_SHAMING}),
        reason=_(
            "Calling your contacts about your debt or posting your personal information abuses personal "
            "information: report it to the Cyberspace Administration's reporting centre."
        ),
    ),
    Rule(
        name="harassing_calls",
        order=40,
        target=RegulatorKind.TELECOMS_REPORTING,
        harassment_kinds=frozenset({H.EXCESSIVE_FREQUENCY, H.NIGHT_CALLS}),
        reason=_(
            "Calls at night and floods of calls or messages are harassing calls: report the numbers to "
            "the reporting centre for spam calls and messages."
        ),
    ),
    Rule(
        name="police",
        order=50,
        target=RegulatorKind.POLICE,
        place=BORROWER,
        harassment_kinds=frozenset({H.THREATS, H.INSULTS, H.PUBLIC_SHAMING, H.IMPERSONATION, H.VISIT}),
        reason=_(
            "Threats, insults, public shaming, posing as police or a court, and visits can be offences: "
            "report them to the police where you live, at once in an emergency."
        ),
    ),
    Rule(
        name="unlawful_fees",
        order=60,
        target=RegulatorKind.INDUSTRY_ASSOCIATION,
        harassment_kinds=frozenset({H.UNLAWFUL_FEES}),
        reason=_(
            "Demanding fees above the legal limits breaks the industry's collection rules: report it to "
            "the National Internet Finance Association."
        ),
    ),
    Rule(
        name="consumer_rights",
        order=70,
        target=RegulatorKind.MARKET_REGULATION,
        place=BORROWER,
        harassment_kinds=frozenset({H.UNLAWFUL_FEES}),
        uncertain=_("12315 may turn finance matters away as outside its remit."),
        reason=_(
            "Unlawful fees are also a consumer-rights matter for the consumer association where you live "
            "(12315)."
        ),
    ),
    Rule(
        name="legal_aid",
        order=90,
        target=RegulatorKind.LEGAL_AID,
        place=BORROWER,
        reason=_("For free legal advice, or to take the lender or its collectors to court, ask legal aid."),
    ),
]

FALLBACK_NOTE = _("We have no entry for the office in that province, so this is the national body.")
UNREGISTERED_NOTE = _("We do not know where the lender is registered, so this is the national body.")
INFERRED_NOTE = _(
    "You have not named the lender in your loan contract; this brand's loans are made by this "
    "institution as far as we know. Check your contract (出借人/贷款人)."
)
ASK_FUNDER_NOTE = _(
    "This app is a platform, not the lender: the lender is named in your loan contract (出借人/贷款人). "
    "Add it to your complaint to be sure where to go."
)
BRAND_LICENCE_NOTE = _(
    "We guess this from the app's own licence, without knowing the lender in your contract or where "
    "it is registered. Look on your contract for 出借人/贷款人 and add it."
)
UNKNOWN_LICENCE_NOTE = _(
    "We do not know yet what licence the lender in your contract holds, so we cannot tell which "
    "regulator supervises it; an admin will check. Meanwhile, 12378 passes complaints on."
)
# Kept for callers of the old name: the note shown when the lender of record is a guess.
GUESS_NOTE = INFERRED_NOTE


@dataclass(frozen=True)
class RouteQuery:
    """What a route is worked out from: the brand, the lender of record if known, where the
    borrower lives, what the collectors did and what the borrower wants."""

    brand: Lender | None = None
    funder: Institution | None = None
    province: str = ""
    kinds: frozenset[str] = frozenset()
    outcomes: frozenset[str] = frozenset()
    # The brand's funder links (current_funders) when the caller has read them already.
    links: tuple[BrandFunder, ...] | None = None


@dataclass(frozen=True)
class Supervision:
    """Who supervises the lender of record, and how sure we are of the lender itself."""

    institution: Institution | None  # the lender of record, named or inferred
    kind: str  # a RegulatorKind value or UNKNOWN
    province: str  # where the institution is registered (or the override's province)
    # How the institution was found: "contract" (the borrower named it), "brand" (the
    # brand's only funder), "" (unknown).
    how: str
    # More funders are known for the brand: the borrower should pick theirs.
    candidates: tuple[Institution, ...] = ()


@dataclass(frozen=True)
class Step:
    order: int  # 1 for the first step
    reason: Any  # a lazy translated string: why, then what is uncertain
    is_guess: bool = False
    regulator: Regulator | None = None
    lender: Lender | None = None  # the brand ("通过…App"), on the lender and operator steps
    institution: Institution | None = None  # the lender of record, or the platform's operator
    role: str = ""  # LENDER, OPERATOR or "" for a regulator
    rules: tuple[str, ...] = ()  # the names of the rules that chose this step
    uncertain: Any = ""  # why it is a guess, and what makes it certain

    @property
    def target(self) -> Regulator | Lender | Institution:
        return self.regulator or self.institution or self.lender  # type: ignore[return-value]

    @property
    def certain(self) -> bool:
        return not self.is_guess

    @property
    def key(self) -> str:
        """The target as letters and escalations name it: regulator-3, institution-5, lender-7."""
        if self.regulator is not None:
            return f"regulator-{self.regulator.pk}"
        if self.institution is not None:
            return f"institution-{self.institution.pk}"
        return f"lender-{self.lender.pk}"  # type: ignore[union-attr]

    @property
    def name(self) -> str:
        target = self.target
        return target.name_zh if isinstance(target, Regulator) else target.name


def supervisor_of(institution: Institution) -> tuple[str, str]:
    """(kind, province) of the body that supervises an institution: an admin's override,
    else its licence type and registered province."""
    if institution.supervisor_override:
        return (
            institution.supervisor_override,
            institution.supervisor_override_province or institution.province,
        )
    return SUPERVISOR_BY_LICENCE.get(institution.licence_type, UNKNOWN), institution.province


def supervision(
    brand: Lender | None, funder: Institution | None, *, links: Iterable[BrandFunder] | None = None
) -> Supervision:
    """The lender of record that decides the regulator. The borrower's contract decides;
    without it, a brand with exactly one current funder implies it; otherwise unknown.
    `links`: the brand's current_funders, if the caller has them."""
    funder = surviving(funder)
    if funder is not None:
        kind, province = supervisor_of(funder)
        return Supervision(funder, kind, province, "contract")
    current = [link for link in (current_funders(brand) if links is None else links) if link.is_current()]
    if len(current) == 1:
        kind, province = supervisor_of(current[0].institution)
        return Supervision(current[0].institution, kind, province, "brand")
    candidates = tuple(link.institution for link in current)
    if brand is not None and brand.licence_type in SUPERVISOR_BY_LICENCE:
        # The brand is itself recorded as a licensed lender, its registration unknown: the
        # kind of body is a fair guess, its province is not.
        return Supervision(None, SUPERVISOR_BY_LICENCE[brand.licence_type], "", "brand_licence", candidates)
    return Supervision(None, UNKNOWN, "", "", candidates)


def find_entry(entries: list[Regulator], kind: str, province: str) -> Regulator | None:
    """The province's own entry of this kind, else the national one.

    Among several (an admin added a second), the most recently checked wins.
    """
    candidates = [r for r in entries if r.kind == kind]
    for scope in ([province] if province else []) + [""]:
        matching = [r for r in candidates if r.province == scope]
        if matching:
            return max(matching, key=lambda r: (r.verified_at is not None, r.verified_at, -r.pk))
    return None


# The old name, kept for callers outside this module.
find_rule = find_entry


def _applies(rule: Rule, query: RouteQuery, seen: Supervision) -> bool:
    if rule.supervisors is not None and seen.kind not in rule.supervisors:
        return False
    if rule.outcomes is not None and not rule.outcomes & query.outcomes:
        return False
    return rule.harassment_kinds is None or bool(rule.harassment_kinds & query.kinds)


def _joined(parts: list[Any]) -> Any:
    return format_lazy(" ".join(["{}"] * len(parts)), *parts) if parts else ""


def _unique(notes: list[Any]) -> list[Any]:
    kept: list[Any] = []
    for note in notes:
        if not any(note is seen for seen in kept):
            kept.append(note)
    return kept


@dataclass
class _Draft:
    regulator: Regulator | None = None
    lender: Lender | None = None
    institution: Institution | None = None
    role: str = ""
    reasons: list[Any] = field(default_factory=list)
    notes: list[Any] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    is_guess: bool = False


def route_for(query: RouteQuery, *, entries: list[Regulator] | None = None) -> list[Step]:
    """The ordered ladder: the lender of record, the platform, regulators, then legal aid.

    A body appears once, at its first place, with the reasons of every rule that chose it.
    A rule whose body has no active entry in the directory is left out rather than shown
    without a way to reach it.
    """
    brand = surviving(query.brand)
    seen = supervision(brand, query.funder, links=query.links if brand is query.brand else None)
    # The directory is a few hundred rows at most, kept in memory per version; the rules
    # pick from it.
    if entries is None:
        entries = active_regulators()
    drafts: list[_Draft] = []
    by_key: dict[str, _Draft] = {}
    for rule in sorted(RULES, key=lambda r: r.order):  # sorted() is stable: table order breaks ties
        if not _applies(rule, query, seen):
            continue
        if rule.target == LENDER:
            draft = _Draft(lender=brand, institution=seen.institution, role=LENDER, reasons=[rule.reason])
            if seen.how == "brand":
                draft.notes.append(INFERRED_NOTE)
                draft.is_guess = bool(brand and brand.is_platform)
            elif seen.institution is None and brand is not None and brand.is_platform:
                draft.notes.append(ASK_FUNDER_NOTE)
                draft.is_guess = True
            draft.rules.append(rule.name)
            drafts.append(draft)
            continue
        if rule.target == OPERATOR:
            operator = surviving(brand.operator) if brand is not None and brand.operator_id else None
            if (
                operator is None
                or not brand.is_platform
                or (seen.institution and operator.pk == seen.institution.pk)
            ):  # type: ignore[union-attr]
                continue
            drafts.append(
                _Draft(
                    lender=brand,
                    institution=operator,
                    role=OPERATOR,
                    reasons=[rule.reason],
                    rules=[rule.name],
                )
            )
            continue
        province = {REGISTERED: seen.province, BORROWER: query.province}.get(rule.place, "")
        regulator = find_entry(entries, rule.target, province)
        if regulator is None and rule.fallback:
            regulator = find_entry(entries, rule.fallback, "")
        if regulator is None:
            continue
        notes: list[Any] = []
        is_guess = rule.uncertain is not None
        if rule.uncertain is not None:
            known_but_unlicensed = rule.supervisors == frozenset({UNKNOWN}) and seen.institution is not None
            notes.append(UNKNOWN_LICENCE_NOTE if known_but_unlicensed else rule.uncertain)
        if rule.target in LOCAL_FIRST and rule.place != NATIONAL and regulator.is_national:
            notes.append(UNREGISTERED_NOTE if rule.place == REGISTERED and not province else FALLBACK_NOTE)
        if rule.supervisors is not None and seen.how == "brand":
            notes.append(INFERRED_NOTE)
            is_guess = is_guess or bool(brand and brand.is_platform)
        if rule.supervisors is not None and seen.how == "brand_licence":
            notes.append(BRAND_LICENCE_NOTE)
            is_guess = True
        key = f"regulator-{regulator.pk}"
        draft = by_key.get(key)
        if draft is None:
            draft = _Draft(regulator=regulator)
            by_key[key] = draft
            drafts.append(draft)
        # Already on the ladder: it keeps its place and gains this rule's reason.
        draft.is_guess = draft.is_guess or is_guess
        draft.reasons.append(rule.reason)
        draft.rules.append(rule.name)
        draft.notes += notes
    steps = []
    for i, d in enumerate(drafts, start=1):
        notes = _unique(d.notes)
        steps.append(
            Step(
                order=i,
                reason=_joined([*d.reasons, *notes]),
                is_guess=d.is_guess,
                regulator=d.regulator,
                lender=d.lender,
                institution=d.institution,
                role=d.role,
                rules=tuple(d.rules),
                uncertain=_joined(notes) if d.is_guess else "",
            )
        )
    return steps


def query_for_complaint(complaint: Complaint, *, kinds: Iterable[str] | None = None) -> RouteQuery:
    # The complaint page passes the kinds of the incidents it has already loaded.
    found = complaint.incidents.values_list("kind", flat=True) if kinds is None else kinds
    return RouteQuery(
        brand=complaint.lender,
        funder=complaint.funding_institution,
        province=complaint.province,
        kinds=frozenset(found),
        outcomes=frozenset(complaint.desired_outcomes or ()),
    )


def route_for_complaint(complaint: Complaint, *, kinds: Iterable[str] | None = None) -> list[Step]:
    """The ordered ladder for a complaint (see route_for)."""
    return route_for(query_for_complaint(complaint, kinds=kinds))


def supervised_institution(complaint: Complaint) -> tuple[Institution | None, bool]:
    """The lender of record whose licence decides the regulator, and whether it is a guess."""
    seen = supervision(complaint.lender, complaint.funding_institution)
    return seen.institution, seen.how != "contract"


def province_from(value: str) -> str:
    """A province code from a code or a name (中文 or English, with or without 省/市)."""
    value = (value or "").strip()
    if value in Province.values:
        return value
    folded = value.casefold()
    if not folded:
        return ""
    for code, (full, short, en) in PROVINCE_NAMES.items():
        if folded in {full.casefold(), short.casefold(), en.casefold(), str(Province(code).label).casefold()}:
            return code
    return ""
