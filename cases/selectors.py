"""Reads for the advocates' workspace. The queue must cost the same few queries whatever
the page size: counts come from correlated subqueries, kinds from one prefetch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from accounts import permissions
from accounts.models import Role
from complaints.models import Complaint, HarassmentKind, Incident, Status, normalize_collector_id
from evidence.models import Evidence

SORTS = {
    "recent": ("-status_changed_at", "-pk"),
    "oldest": ("status_changed_at", "pk"),
    # Cases without a deadline go last whatever the database's default for NULL is.
    "due": (F("next_due_at").asc(nulls_last=True), "-status_changed_at", "-pk"),
    "filed": ("-submitted_at", "-pk"),
}


def _count(model: Any, **filters: Any) -> Coalesce:
    subquery = (
        model.objects.filter(**filters).order_by().values("complaint").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(subquery, output_field=IntegerField()), 0)


def queue_filter(user: Any, params: dict[str, Any], *, now: datetime) -> QuerySet[Complaint]:
    """The complaints a caseworker's queue shows for these cleaned filter values, unsorted."""
    qs = permissions.caseworker_complaints(user)
    if params.get("status"):
        qs = qs.filter(status__in=params["status"])
    if params.get("lender"):
        qs = qs.filter(lender=params["lender"])
    if params.get("funding"):
        qs = qs.filter(funding_institution=params["funding"])
    if params.get("province"):
        qs = qs.filter(province=params["province"])
    if params.get("kind"):
        qs = qs.filter(Exists(Incident.objects.filter(complaint=OuterRef("pk"), kind=params["kind"])))
    assigned = params.get("assigned")
    if assigned == "me":
        qs = qs.filter(assignee=user)
    elif assigned == "none":
        qs = qs.filter(assignee__isnull=True)
    if params.get("overdue"):
        qs = qs.filter(next_due_at__lt=now)
    if params.get("waiting"):
        qs = qs.filter(waiting_for_borrower_since__isnull=False)
    text = (params.get("q") or "").strip()
    if text:
        qs = qs.filter(_search(text))
    return qs


def _search(text: str) -> Q:
    collector = normalize_collector_id(text)
    match = (
        Q(reference__iexact=text)
        # People read the first half of a reference aloud; five characters are already rare.
        | (Q(reference__istartswith=text) if len(text) >= 5 else Q(pk__in=[]))
        | Q(filer__phone=collector)
        | Q(filer__display_name__icontains=text)
        | Q(summary__icontains=text)
        | Q(lender__name__icontains=text)
    )
    match |= Q(
        Exists(
            Incident.objects.filter(complaint=OuterRef("pk")).filter(
                Q(collector_id_normalized=collector) | Q(description__icontains=text)
            )
        )
    )
    return match


def status_counts(qs: QuerySet[Complaint]) -> dict[str, int]:
    rows = qs.order_by().values("status").annotate(n=Count("pk"))
    counts = {s: 0 for s in Status.values if s != Status.DRAFT}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def queue_rows_for(ids: list[int]) -> list[Complaint]:
    """The queue rows for one page of ids, in that order, with their counts and kinds."""
    rows = {c.pk: c for c in queue_page_rows(Complaint.objects.filter(pk__in=ids), "recent")}
    return [rows[pk] for pk in ids if pk in rows]


def queue_page_rows(qs: QuerySet[Complaint], sort: str) -> QuerySet[Complaint]:
    return (
        qs.select_related("lender", "assignee", "filer")
        .annotate(
            incident_count=_count(Incident, complaint=OuterRef("pk")),
            evidence_count=_count(Evidence, complaint=OuterRef("pk")),
        )
        .prefetch_related(Prefetch("incidents", queryset=Incident.objects.only("pk", "complaint_id", "kind")))
        .order_by(*SORTS.get(sort, SORTS["recent"]))
    )


@dataclass
class CollectorSummary:
    key: str
    complaint_count: int
    lenders: list[str]
    first_seen: datetime | None
    last_seen: datetime | None
    kinds: list[str]

    @property
    def kind_labels(self) -> list[str]:
        labels = dict(HarassmentKind.choices)
        return [str(labels.get(k, k)) for k in self.kinds]


def collector_summary(key: str) -> CollectorSummary:
    incidents = Incident.objects.filter(collector_id_normalized=key).exclude(complaint__status=Status.DRAFT)
    agg = incidents.aggregate(
        first=Min("occurred_at"), last=Max("occurred_at"), n=Count("complaint", distinct=True)
    )
    lenders = list(incidents.order_by().values_list("complaint__lender__name", flat=True).distinct()[:50])
    kinds = list(incidents.order_by().values_list("kind", flat=True).distinct())
    return CollectorSummary(
        key=key,
        complaint_count=agg["n"],
        lenders=sorted(lenders),
        first_seen=agg["first"],
        last_seen=agg["last"],
        kinds=kinds,
    )


def collector_complaints(key: str) -> QuerySet[Complaint]:
    return (
        Complaint.objects.exclude(status=Status.DRAFT)
        .filter(Exists(Incident.objects.filter(complaint=OuterRef("pk"), collector_id_normalized=key)))
        .select_related("lender")
        .order_by("-status_changed_at", "-pk")
    )


def linked_collectors(complaint: Complaint) -> list[dict[str, Any]]:
    """For each collector this complaint names: how many other complaints name it, against whom."""
    keys = sorted({k for k in complaint.incidents.values_list("collector_id_normalized", flat=True) if k})
    if not keys:
        return []
    others = (
        Incident.objects.filter(collector_id_normalized__in=keys)
        .exclude(complaint=complaint)
        .exclude(complaint__status=Status.DRAFT)
        .order_by()
    )
    counts = dict(
        others.values("collector_id_normalized")
        .annotate(n=Count("complaint", distinct=True))
        .values_list("collector_id_normalized", "n")
    )
    lenders: dict[str, set[str]] = {k: set() for k in keys}
    for key, name in others.values_list("collector_id_normalized", "complaint__lender__name").distinct():
        lenders[key].add(name)
    return [{"key": k, "count": counts.get(k, 0), "lenders": sorted(lenders[k])} for k in keys]


def caseworkers() -> list[Any]:
    """Who a case can be handed to."""
    return list(
        get_user_model()
        .objects.filter(role__in=[Role.ADVOCATE, Role.ADMIN], is_active=True)
        .order_by("display_name", "username")
    )
