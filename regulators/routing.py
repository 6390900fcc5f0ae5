"""Where a complaint should go, step by step: the lender, then the right regulators.

The whole decision is the RULES table below. Each rule says when it applies (the
licence type of the supervised lender, or the kinds of harassment recorded), which kind
of body it sends the borrower to, and why in plain words. `route_for_complaint` applies
the table; it never hard-codes a body or a phone number: those come from the directory,
which admins keep. The reasons name no numbers for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, HarassmentKind, Lender, LicenceType

from .models import Regulator, RegulatorKind

# Not a regulator kind: the step that points at complaint.lender.
LENDER = "lender"
# Kinds with an office per province; the national entry only stands in for a missing one.
LOCAL_FIRST = frozenset({RegulatorKind.NFRA, RegulatorKind.LOCAL_FINANCIAL_BUREAU})

H = HarassmentKind
L = LicenceType


@dataclass(frozen=True)
class Rule:
    name: str
    order: int
    target: str  # a RegulatorKind value, or LENDER
    reason: Promise
    # Conditions; None means "whatever it is". Both given: both must hold.
    licence_types: frozenset[str] | None = None  # of the supervised institution
    harassment_kinds: frozenset[str] | None = None  # any incident of any of these kinds
    # When there is no entry of `target` for the complaint's province or nationally.
    fallback: str | None = None
    # The licence type alone cannot tell which body supervises the loan.
    uncertain: bool = False


RULES: list[Rule] = [
    Rule(
        name="lender_first",
        order=10,
        target=LENDER,
        reason=_(
            "Complain to the lender first, in writing, and keep a copy. It answers for the collectors "
            "it hires, and regulators usually ask whether you tried the lender."
        ),
    ),
    Rule(
        name="bank_or_consumer_finance",
        order=20,
        target=RegulatorKind.NFRA,
        licence_types=frozenset({L.BANK, L.CONSUMER_FINANCE}),
        reason=_(
            "Banks and consumer finance companies are supervised by the National Financial Regulatory "
            "Administration, through a bureau in each province."
        ),
    ),
    Rule(
        name="micro_loan",
        order=20,
        target=RegulatorKind.LOCAL_FINANCIAL_BUREAU,
        licence_types=frozenset({L.MICRO_LOAN}),
        fallback=RegulatorKind.NFRA,
        reason=_(
            "Small-loan companies, online ones included, are supervised by the local financial "
            "administration of their province."
        ),
    ),
    Rule(
        name="platform_if_bank",
        order=20,
        target=RegulatorKind.NFRA,
        licence_types=frozenset({L.PLATFORM, L.OTHER}),
        uncertain=True,
        reason=_(
            "An app or platform is often not the lender. If the lender named in your loan contract is "
            "a bank or a consumer finance company, complain to the National Financial Regulatory "
            "Administration."
        ),
    ),
    Rule(
        name="platform_if_micro_loan",
        order=20,
        target=RegulatorKind.LOCAL_FINANCIAL_BUREAU,
        licence_types=frozenset({L.PLATFORM, L.OTHER}),
        fallback=RegulatorKind.NFRA,
        uncertain=True,
        reason=_(
            "If the lender named in your loan contract is a small-loan company, complain to the local "
            "financial administration of its province instead."
        ),
    ),
    Rule(
        name="personal_information",
        order=30,
        target=RegulatorKind.CYBERSPACE,
        harassment_kinds=frozenset({H.THIRD_PARTIES, H.PUBLIC_SHAMING}),
        reason=_(
            "Calling your contacts about your debt or posting your personal information abuses personal "
            "information. Report it to the Cyberspace Administration's reporting centre."
        ),
    ),
    Rule(
        name="harassing_calls",
        order=40,
        target=RegulatorKind.TELECOMS_REPORTING,
        harassment_kinds=frozenset({H.EXCESSIVE_FREQUENCY, H.NIGHT_CALLS}),
        reason=_(
            "Calls at night and floods of calls or messages are harassing calls. Report the numbers to "
            "the reporting centre for spam calls and messages."
        ),
    ),
    Rule(
        name="police",
        order=50,
        target=RegulatorKind.POLICE,
        harassment_kinds=frozenset({H.THREATS, H.INSULTS, H.PUBLIC_SHAMING, H.IMPERSONATION, H.VISIT}),
        reason=_(
            "Threats, insults, public shaming, posing as police or a court, and visits to your home or "
            "work can be offences. Report them to the police, at once in an emergency."
        ),
    ),
    Rule(
        name="unlawful_fees",
        order=60,
        target=RegulatorKind.INDUSTRY_ASSOCIATION,
        harassment_kinds=frozenset({H.UNLAWFUL_FEES}),
        reason=_(
            "Demanding fees above the legal limits breaks the industry's collection rules. Report it to "
            "the National Internet Finance Association."
        ),
    ),
    Rule(
        name="legal_aid",
        order=90,
        target=RegulatorKind.LEGAL_AID,
        reason=_("For free legal advice, or to take the lender or its collectors to court, ask legal aid."),
    ),
]

GUESS_NOTE = _(
    "We do not know the funding institution named in your loan contract, so this is a guess from "
    "the app or brand. Check your contract."
)
FALLBACK_NOTE = _(
    "We have no entry for the local office in your province, or do not know your province, so this "
    "is the national body."
)


@dataclass(frozen=True)
class Step:
    order: int  # 1 for the first step
    reason: Any  # a lazy translated string
    is_guess: bool = False
    regulator: Regulator | None = None
    lender: Lender | None = None
    rules: tuple[str, ...] = ()  # the names of the rules that chose this step

    @property
    def target(self) -> Regulator | Lender:
        return self.regulator or self.lender  # type: ignore[return-value]


def _surviving(lender: Lender | None) -> Lender | None:
    """The lender an admin merged this one into, if any: it holds the confirmed licence type."""
    seen = set()
    while lender is not None and lender.merged_into_id and lender.pk not in seen:
        seen.add(lender.pk)
        lender = lender.merged_into
    return lender


def supervised_institution(complaint: Complaint) -> tuple[Lender, bool]:
    """The institution whose licence decides the regulator, and whether that is a guess.

    The funding institution named in the loan contract decides; an app brand often is
    not the legal lender. Without it, the brand's own licence type is our best guess.
    """
    funding = _surviving(complaint.funding_institution)
    if funding is not None:
        return funding, False
    return _surviving(complaint.lender), True  # type: ignore[return-value]


def find_rule(entries: list[Regulator], kind: str, province: str) -> Regulator | None:
    """The province's own entry of this kind, else the national one.

    Among several (an admin added a second), the most recently checked wins.
    """
    candidates = [r for r in entries if r.kind == kind]
    for scope in ([province] if province else []) + [""]:
        matching = [r for r in candidates if r.province == scope]
        if matching:
            return max(matching, key=lambda r: (r.verified_at is not None, r.verified_at, -r.pk))
    return None


def _applies(rule: Rule, licence_type: str, kinds: set[str]) -> bool:
    if rule.licence_types is not None and licence_type not in rule.licence_types:
        return False
    return rule.harassment_kinds is None or bool(rule.harassment_kinds & kinds)


def _joined(parts: list[Any]) -> Any:
    return format_lazy(" ".join(["{}"] * len(parts)), *parts)


def route_for_complaint(complaint: Complaint, *, kinds: Iterable[str] | None = None) -> list[Step]:
    """The ordered ladder for a complaint: the lender, regulators, then legal aid.

    A body appears once, at its first place, with the reasons of every rule that chose
    it. A rule whose body has no active entry in the directory is left out rather than
    shown without a way to reach it.
    """
    institution, unknown_funding = supervised_institution(complaint)
    # The complaint page passes the kinds of the incidents it has already loaded.
    kinds = set(complaint.incidents.values_list("kind", flat=True) if kinds is None else kinds)
    # The directory is a few hundred rows at most: one query, then the rules pick in memory.
    entries = list(Regulator.objects.filter(active=True))

    steps: list[dict[str, Any]] = []
    by_regulator: dict[int, dict[str, Any]] = {}
    for rule in sorted(RULES, key=lambda r: r.order):  # sorted() is stable: table order breaks ties
        if not _applies(rule, institution.licence_type, kinds):
            continue
        if rule.target == LENDER:
            steps.append(
                {"lender": complaint.lender, "reasons": [rule.reason], "notes": [], "rules": [rule.name]}
            )
            continue
        regulator = find_rule(entries, rule.target, complaint.province)
        if regulator is None and rule.fallback:
            regulator = find_rule(entries, rule.fallback, "")
        if regulator is None:
            continue
        notes = []
        if rule.target in LOCAL_FIRST and regulator.is_national:
            notes.append(FALLBACK_NOTE)
        if rule.licence_types is not None and unknown_funding:
            notes.append(GUESS_NOTE)
        is_guess = rule.licence_types is not None and (unknown_funding or rule.uncertain)
        step = by_regulator.get(regulator.pk)
        if step is None:
            step = {"regulator": regulator, "reasons": [], "notes": [], "rules": [], "is_guess": False}
            by_regulator[regulator.pk] = step
            steps.append(step)
        # Already on the ladder: it keeps its place and gains this rule's reason.
        step["is_guess"] = step["is_guess"] or is_guess
        step["reasons"].append(rule.reason)
        step["rules"].append(rule.name)
        step["notes"] += [note for note in notes if not any(note is seen for seen in step["notes"])]
    return [
        Step(
            order=i,
            reason=_joined([*step.pop("reasons"), *step.pop("notes")]),
            rules=tuple(step.pop("rules")),
            **step,
        )
        for i, step in enumerate(steps, start=1)
    ]
