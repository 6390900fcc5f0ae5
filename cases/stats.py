"""Numbers across cases: the advocates' dashboard and the public statistics.

Each figure is one GROUP BY; results are cached briefly because at 100,000 complaints a
dashboard that recounts on every view would be the slowest page of the site.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from complaints.models import Complaint, HarassmentKind, Incident, Province, Status, TimelineEvent
from lib import versions

from .followups import FINISHED, FOLLOWUPS_VERSION
from .models import FollowUp

CACHE_SECONDS = 600
# Fewer verified cases than this and a lender is folded into "others": a count of one or
# two could point at a person.
PUBLIC_MIN_GROUP = 5


@dataclass
class Series:
    title: str
    rows: list[tuple[str, int]] = field(default_factory=list)

    @property
    def peak(self) -> int:
        return max((n for _, n in self.rows), default=0)


def _submitted() -> Any:
    return Complaint.objects.exclude(status=Status.DRAFT)


def _by_month(now: datetime, months: int = 12) -> list[tuple[str, int]]:
    start = (now - timedelta(days=31 * (months - 1))).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    rows = (
        _submitted()
        .filter(submitted_at__gte=start)
        .annotate(month=TruncMonth("submitted_at"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    found = {timezone.localtime(r["month"]).strftime("%Y-%m"): r["n"] for r in rows}
    labels = []
    cursor = timezone.localtime(start).date()
    for _i in range(months):
        labels.append(cursor.strftime("%Y-%m"))
        cursor = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [(label, found.get(label, 0)) for label in labels]


def _by_lender(qs: Any, limit: int = 15) -> list[tuple[str, int]]:
    rows = qs.order_by().values("lender__name").annotate(n=Count("pk")).order_by("-n", "lender__name")[:limit]
    return [(r["lender__name"], r["n"]) for r in rows]


def _by_kind(qs: Any) -> list[tuple[str, int]]:
    labels = dict(HarassmentKind.choices)
    rows = (
        Incident.objects.filter(complaint__in=qs)
        .order_by()
        .values("kind")
        .annotate(n=Count("complaint", distinct=True))
        .order_by("-n")
    )
    return [(str(labels.get(r["kind"], r["kind"])), r["n"]) for r in rows]


def _by_province(qs: Any) -> list[tuple[str, int]]:
    labels = dict(Province.choices)
    rows = qs.exclude(province="").order_by().values("province").annotate(n=Count("pk")).order_by("-n")
    return [(str(labels.get(r["province"], r["province"])), r["n"]) for r in rows]


def _answered_in_time(now: datetime) -> Series:
    """Regulators only: did the answer come by its due date?"""
    from escalations.models import Escalation

    qs = Escalation.objects.filter(regulator__isnull=False, due_at__isnull=False).exclude(status="drafted")
    in_time = qs.filter(answered_at__isnull=False, answered_at__lte=F("due_at")).count()
    late = qs.filter(answered_at__isnull=False, answered_at__gt=F("due_at")).count()
    missing = qs.filter(answered_at__isnull=True, due_at__lt=now).count()
    decided = in_time + late + missing
    share = f"{round(100 * in_time / decided)}%" if decided else "—"
    return Series(
        _("Regulators answering in time: %(share)s") % {"share": share},
        [(_("Answered in time"), in_time), (_("Answered late"), late), (_("No answer, past due"), missing)],
    )


def dashboard_series(*, now: datetime) -> list[Series]:
    key = f"dashboard:{get_language()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    qs = _submitted()
    series = [
        Series(_("Complaints per month"), _by_month(now)),
        Series(_("By lender (top 15)"), _by_lender(qs)),
        Series(_("By kind of harassment"), _by_kind(qs)),
        Series(_("By province"), _by_province(qs)),
        _answered_in_time(now),
    ]
    cache.set(key, series, CACHE_SECONDS)
    return series


def verified_complaints() -> Any:
    """Complaints an advocate took into review at least once: the only ones made public."""
    reviewed = TimelineEvent.objects.filter(
        complaint=OuterRef("pk"), kind=TimelineEvent.Kind.STATUS, to_status=Status.UNDER_REVIEW
    )
    return _submitted().filter(Exists(reviewed))


def public_table() -> dict[str, Any]:
    """Verified complaints per lender and kind; small lenders folded together. No personal data."""
    key = f"public-stats:{get_language()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    labels = dict(HarassmentKind.choices)
    qs = verified_complaints()
    per_lender = dict(qs.order_by().values_list("lender__name").annotate(n=Count("pk")))
    cells = (
        Incident.objects.filter(complaint__in=qs)
        .order_by()
        .values("complaint__lender__name", "kind")
        .annotate(n=Count("complaint", distinct=True))
    )
    other = _("Other lenders")
    table: dict[str, dict[str, int]] = {}
    totals: dict[str, int] = {}
    for lender, total in per_lender.items():
        name = lender if total >= PUBLIC_MIN_GROUP else other
        totals[name] = totals.get(name, 0) + total
    for cell in cells:
        lender = cell["complaint__lender__name"]
        name = lender if per_lender.get(lender, 0) >= PUBLIC_MIN_GROUP else other
        row = table.setdefault(name, {})
        row[cell["kind"]] = row.get(cell["kind"], 0) + cell["n"]
    kinds = [k for k in HarassmentKind.values if any(k in row for row in table.values())]
    # The folded group can itself be tiny; then it is left out altogether.
    if totals.get(other, 0) < PUBLIC_MIN_GROUP:
        totals.pop(other, None)
        table.pop(other, None)
    ordered = sorted(totals, key=lambda n: (n == other, -totals[n], n))
    result = {
        "kinds": [(k, str(labels[k])) for k in kinds],
        "rows": [(name, totals[name], [table.get(name, {}).get(k, 0) for k in kinds]) for name in ordered],
        "total": sum(totals.values()),
    }
    cache.set(key, result, CACHE_SECONDS)
    return result


@dataclass(frozen=True)
class FollowUpOutcome:
    """One lender's finished complaints, by the borrower's latest answer to "did the
    harassment stop?"."""

    lender: str
    answered: int
    stopped: int
    less: int

    @property
    def stopped_share(self) -> int:
        return round(100 * self.stopped / self.answered)

    @property
    def stopped_or_less_share(self) -> int:
        return round(100 * (self.stopped + self.less) / self.answered)


def followup_outcomes() -> list[FollowUpOutcome]:
    """Per lender, of the reviewed complaints now resolved or closed whose borrower answered,
    how many say by their latest answer that the harassment stopped (or lessened).

    The public rule: reviewed complaints only, and a lender with fewer than
    PUBLIC_MIN_GROUP answered complaints is not shown at all (a share of one or two answers
    could tell how one person's case ended). Nothing is folded into an "others" row: a share
    of several small lenders tells a borrower nothing about any of them. Cached under the
    follow-ups' version, which each answer bumps.
    """
    key = f"followup-stats:{versions.version(FOLLOWUPS_VERSION)}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    latest = (
        FollowUp.objects.filter(complaint=OuterRef("pk"), answered_at__isnull=False)
        .order_by("-asked_at", "-pk")
        .values("answer")[:1]
    )
    rows = (
        verified_complaints()
        .filter(status__in=FINISHED)
        .annotate(latest=Subquery(latest))
        .filter(latest__isnull=False)
        .order_by()
        .values("lender__name", "latest")
        .annotate(n=Count("pk"))
    )
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["lender__name"], {})[row["latest"]] = row["n"]
    outcomes = [
        FollowUpOutcome(
            lender=name,
            answered=sum(by_answer.values()),
            stopped=by_answer.get(FollowUp.Answer.STOPPED, 0),
            less=by_answer.get(FollowUp.Answer.LESS, 0),
        )
        for name, by_answer in counts.items()
        if sum(by_answer.values()) >= PUBLIC_MIN_GROUP
    ]
    outcomes.sort(key=lambda o: (-o.stopped_share, -o.answered, o.lender))
    cache.set(key, outcomes, CACHE_SECONDS)
    return outcomes
