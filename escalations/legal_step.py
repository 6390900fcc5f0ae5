"""The legal step: what a borrower can do where the route of complaints ends.

Made from the complaint: a police report when the collectors did what the police deal
with, a civil claim for the invasion of privacy with the date the usual time limit runs
out, legal aid, and what to bring to each: the incident list with dates and the rules
each incident breaks, and the evidence list with SHA-256 fingerprints, the same files a
letter lists. Bodies come from the directory, chosen as the route chooses them.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from complaints.models import Complaint, HarassmentKind
from lib.china import CHINA_TZ
from regulators import national
from regulators.models import Regulator, RegulatorKind
from regulators.national import NationalNumber
from regulators.routing import RULES, find_rule

from .conduct import breaches_for_complaint
from .legal_basis import CITATIONS, Citation, citations_for
from .letters import letter_evidence
from .models import EscalationStatus

# What makes it a police matter: the route's own police rule, so the page and the
# route never disagree.
POLICE_KINDS = next(rule for rule in RULES if rule.name == "police").harassment_kinds or frozenset()
POLICE_CITATIONS = frozenset({"psal_42", "criminal_293_1", "criminal_246"})
CIVIL_CITATIONS = ("civil_1032", "civil_1033")

LIMITATION_YEARS = 3


def limitation_last_day(first: date) -> date:
    """The last day of the three-year limit counted from `first`.

    Civil Code Art 188 (three years from when the harm and who did it were known) and
    Art 202 (a period in years ends on the same day of the last year; without that day,
    on the month's last). Counted from the first incident, the earliest date it could
    start, so the page never shows a date later than the real one; a period ending on a
    holiday would move to the next working day (Art 203), which we do not apply, for
    the same reason.
    """
    try:
        return first.replace(year=first.year + LIMITATION_YEARS)
    except ValueError:  # 29 February, three years on
        return first.replace(year=first.year + LIMITATION_YEARS, day=28)


def _contact(entry: Regulator | None, national: NationalNumber) -> dict[str, Any]:
    """The national number to call, always from code (regulators/national.py), and the
    directory's local office beside it when it has a number of its own. The directory
    never replaces the national number: an import put 12345678 on "call the police now"."""
    local = None
    if entry is not None and entry.hotline and entry.hotline_tel not in ("", national.tel):
        local = {"name": entry.name_zh, "number": entry.hotline, "tel": entry.hotline_tel}
    return {"entry": entry, "number": national.number, "tel": national.tel, "local": local}


def _directory(province: str) -> dict[str, Regulator | None]:
    entries = list(
        Regulator.objects.filter(
            active=True, kind__in=[RegulatorKind.POLICE, RegulatorKind.LEGAL_AID, RegulatorKind.COURT]
        )
    )
    return {kind: find_rule(entries, kind, province) for kind in ("police", "legal_aid", "court")}


def legal_step_context(*, complaint: Complaint, now: datetime) -> dict[str, Any]:
    """Everything templates/escalations/legal_step.html shows. Five queries, whatever the complaint's size."""
    incidents = list(complaint.incidents.all())
    breaches = breaches_for_complaint(complaint, incidents=incidents)
    labels = dict(HarassmentKind.choices)

    police_counts = Counter(i.kind for i in incidents if i.kind in POLICE_KINDS)
    police_citations: list[Citation] = [
        c for c in citations_for(kinds=list(police_counts)) if c.key in POLICE_CITATIONS
    ]

    limitation = None
    if incidents:
        first_day = min(i.occurred_at for i in incidents).astimezone(CHINA_TZ).date()
        last_day = limitation_last_day(first_day)
        today = now.astimezone(CHINA_TZ).date()
        limitation = {
            "first_day": first_day,
            "last_day": last_day,
            "days_left": (last_day - today).days,
            "passed": last_day < today,
        }

    directory = _directory(complaint.province)
    escalations = [
        e
        for e in complaint.escalations.select_related("lender", "regulator")
        if e.status != EscalationStatus.DRAFTED
    ]
    return {
        "complaint": complaint,
        "incidents": incidents,
        "breaches": breaches,
        "police_matter": bool(police_counts),
        # In the taxonomy's order, each with how many incidents.
        "police_kinds": [(labels[k], police_counts[k]) for k in HarassmentKind.values if k in police_counts],
        "police_citations": police_citations,
        "police": _contact(directory["police"], national.POLICE),
        "civil_citations": [CITATIONS[key] for key in CIVIL_CITATIONS],
        "limitation": limitation,
        "court": directory["court"],
        "legal_aid": _contact(directory["legal_aid"], national.LEGAL_AID),
        "national_numbers": national.NATIONAL_NUMBERS,
        "evidence": list(letter_evidence(complaint)),
        "escalations": escalations,
    }
