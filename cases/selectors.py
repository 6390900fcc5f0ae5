"""Reads for the advocates' workspace. The queue must cost the same few queries whatever
the page size: a page's rows, with their counts and kinds from correlated subqueries,
come in one query."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce

from accounts.models import PEOPLE_VERSION, Role
from audit.models import AuditEvent
from complaints import permissions
from complaints.models import (
    COMPLAINTS_VERSION,
    REFERENCE_ALPHABET,
    Complaint,
    Incident,
    IncidentNumber,
    Status,
    normalize_collector_id,
)
from evidence.models import Evidence
from evidence.readings import complaints_with_text
from lib import versions
from lib.phones import normalize_phone

from . import collectors
from .models import CollectorProfile

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
    match = params.get("match")
    if match is None:
        match = search_match(params.get("q") or "")
    if match:
        qs = qs.filter(match)
    return qs


# Up to this many matches are passed to the queue's queries as a list of ids, which
# PostgreSQL plans with the true count. A number named in more complaints than this is
# matched by a semi-join on the incidents' (number, complaint) index instead: a list of
# 4,900 ids cost 40 ms to send and plan for a 25-row page (`make bench`).
_LISTED_MATCHES = 500
# Where an id of the search's UNION came from (its `src`): a reference, the filer's phone
# or a screenshot's text, then a number among a series', then a number that called. In
# this order, the ids cut off past the first 501 are a number's that called.
_BY_SERIES, _BY_NUMBER = 1, 2


def search_match(text: str) -> Q:
    """The queue's search box as a condition; empty when there is nothing to search for.
    Computed once per page and shared by its queries."""
    text = text.strip()
    return _search(text) if text else Q()


_REFERENCE_CHAR = f"[{REFERENCE_ALPHABET}]"
# A whole reference, or its first half (people read the first half aloud) and more.
_REFERENCE_LIKE = re.compile(rf"^{_REFERENCE_CHAR}{{5}}(-?{_REFERENCE_CHAR}{{0,5}})?$")


def _search(text: str) -> Q:
    """Numbers and references are looked up exactly, through indexes; other words are
    looked for inside names and texts, which means reading every row (`make bench`: 4 s at
    100,000 complaints when every search did that)."""
    key = normalize_collector_id(text)
    upper = text.upper()
    if len(upper) == 10 and "-" not in upper:
        upper = f"{upper[:5]}-{upper[5:]}"  # typed without its dash
    digits = normalize_phone(text)
    reference_like = bool(_REFERENCE_LIKE.match(upper))
    # Besides the number: the reference, the filer's phone, a screenshot's text.
    parts = [Complaint.objects.filter(reference=upper)]
    if digits:
        parts.append(Complaint.objects.filter(filer__phone=digits))
    if reference_like:
        parts.append(Complaint.objects.filter(reference__startswith=upper))
    # A phrase in the text read from screenshots (a collector agency's wording links
    # cases the way a number does), looked up by its character pairs' index, in the same
    # round trip.
    in_screenshots = complaints_with_text(text, limit=_LISTED_MATCHES)
    if in_screenshots is not None:
        parts.append(Complaint.objects.filter(pk__in=in_screenshots))
    match = _number_match(key, parts)
    if reference_like or len(digits) >= 5:
        return match
    return (
        match
        | Q(filer__display_name__icontains=text)
        | Q(summary__icontains=text)
        | Q(lender__name__icontains=text)
        | Q(Exists(Incident.objects.filter(complaint=OuterRef("pk"), description__icontains=text)))
    )


def _number_match(key: str, parts: list[QuerySet[Complaint]]) -> Q:
    """The complaints that name the number `key` (as the number that called, or among a
    series'), or that one of `parts` finds, as a condition the page's queries share.

    One list of ids from indexes alone (a UNION), instead of ORs that made PostgreSQL read
    every complaint and test each against the subqueries. Each id says where it came from
    (`src`), and the number's come last."""
    by_number = Incident.objects.filter(collector_id_normalized=key).order_by().values("complaint_id")
    # The same number among a series' numbers (complaints.IncidentNumber, its own index).
    by_series = IncidentNumber.objects.filter(number=key).order_by().values("complaint_id")
    tagged = [p.order_by().values("pk").annotate(src=Value(0)) for p in parts]
    # Each number's part stops at one more complaint than is listed: a number named in
    # 5 % of the complaints (`make bench`) is 5,000 rows at 100,000 and 50,000 at a million
    # to read and deduplicate, for an answer that only needs to know there are too many.
    for src, numbered in ((_BY_SERIES, by_series), (_BY_NUMBER, by_number)):
        first = numbered.order_by("complaint_id").distinct()[: _LISTED_MATCHES + 1]
        tagged.append(Complaint.objects.filter(pk__in=first).order_by().values("pk").annotate(src=Value(src)))
    found = tagged[0].union(*tagged[1:]).order_by("src")
    rows = list(found.values_list("pk", "src")[: _LISTED_MATCHES + 1])
    if len(rows) <= _LISTED_MATCHES:
        # A number nobody used yet looks, to the planner's statistics, like one used
        # thousands of times: given a subquery it reads every complaint (55 ms at 100,000).
        return Q(pk__in=sorted({pk for pk, _src in rows}))
    if all(src == _BY_NUMBER for _pk, src in rows):
        # Only a collector's number is named this often, and mostly as the number that
        # called alone. As the one condition, it is a semi-join that PostgreSQL plans from
        # its statistics of the number: walking the complaints in the page's order and
        # probing the index for each while it is common, from its incidents when rare.
        # Under an OR it could only hash all of its complaints before walking (50,000 at
        # a million complaints: 12 ms of the page's 33, `make bench-xl`).
        return Q(Exists(by_number.filter(complaint_id=OuterRef("pk"))))
    return (
        Q(Exists(by_number.filter(complaint_id=OuterRef("pk"))))
        | Q(Exists(by_series.filter(complaint_id=OuterRef("pk"))))
        | Q(pk__in=[pk for pk, src in rows if src == 0])
    )


# Counts also depend on the clock ("overdue"): a minute late at most.
_COUNTS_SECONDS = 60


def cached_status_counts(
    user: Any, params: dict[str, Any], complaints: Callable[[], QuerySet[Complaint]]
) -> dict[str, int]:
    """status_counts for the queue's tabs, cached until a complaint or an incident changes
    (every service that changes one bumps complaints' data version). `complaints` gives
    the complaints to count, called only when they are counted.

    Counting every open complaint by status was the queue's costliest query at 100,000
    complaints (`make bench`), and it is the same for every page of the same filters.
    """
    shown = sorted(
        (
            name,
            repr(
                [getattr(v, "pk", v) for v in value]
                if isinstance(value, list)
                else getattr(value, "pk", value)
            ),
        )
        for name, value in params.items()
        # Unset filters are None in an unbound form and "" or False in a bound one: the
        # queue as it opens and its second page share one entry.
        if name not in ("status", "sort", "per_page", "match") and value not in (None, "", False, [])
    )
    digest = hashlib.sha256(repr(shown).encode()).hexdigest()[:32]
    version = versions.version(COMPLAINTS_VERSION)
    key = f"cases:queue-counts:{version}:{user.pk}:{digest}"
    counts = cache.get(key)
    if counts is None:
        counts = status_counts(complaints())
        cache.set(key, counts, _COUNTS_SECONDS)
    return counts


def status_counts(qs: QuerySet[Complaint]) -> dict[str, int]:
    rows = qs.order_by().values("status").annotate(n=Count("pk"))
    counts = {s: 0 for s in Status.values if s != Status.DRAFT}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


class _KindsInOrder(Func):
    """The kinds of a complaint's incidents as one string, one entry per incident, in the
    order they happened: "threats,insults,threats". Its length is the incident count, and
    its first occurrences are the row's kinds, so one correlated subquery gives both (a
    query of its own per page used to load every (complaint, kind) pair with its date)."""

    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(F("pk"))

    def _parts(self, compiler: Any, connection: Any) -> tuple[dict[str, str], list[Any]]:
        pk_sql, params = compiler.compile(self.source_expressions[0])
        meta = Incident._meta
        names = {
            "table": meta.db_table,
            "complaint": meta.get_field("complaint").column,
            "kind": meta.get_field("kind").column,
            "occurred": meta.get_field("occurred_at").column,
        }
        return {**{k: connection.ops.quote_name(v) for k, v in names.items()}, "pk": pk_sql}, list(params)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        # SQLite before 3.44 has no ORDER BY inside an aggregate: it concatenates in the
        # order of an ordered subquery, which it does not flatten into an aggregate.
        names, params = self._parts(compiler, connection)
        return _KINDS_ORDERED_SUBQUERY.format(**names), params

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        names, params = self._parts(compiler, connection)
        return _KINDS_ORDERED_AGGREGATE.format(**names), params


# Filled with quoted names from the model and the outer column as Django compiled it.
_KINDS_ORDERED_AGGREGATE = (
    "(SELECT string_agg(U9.{kind}, ',' ORDER BY U9.{occurred}, U9.{kind})"
    " FROM {table} U9 WHERE U9.{complaint} = {pk})"
)
_KINDS_ORDERED_SUBQUERY = (
    "(SELECT group_concat(k.{kind}, ',') FROM (SELECT U9.{kind} FROM {table} U9"
    " WHERE U9.{complaint} = {pk} ORDER BY U9.{occurred}, U9.{kind}) k)"
)


def queue_rows(page_ids: QuerySet[Any] | list[int], sort: str) -> list[dict[str, Any]]:
    """The queue rows of one page, in the page's order, as plain values: what a row shows,
    with `incident_count`, `evidence_count` and `kind_codes` (distinct, first seen first).

    `page_ids` is the page's slice of the sorted ids, as a query: it goes into this one
    as a subquery, so the page costs one round trip (it was three: the ids, the rows, the
    kinds), and only the rows of the page get their counts computed. Values rather than
    model instances: building 50 complaints with their lenders and assignees took longer
    than the query."""
    rows = list(
        Complaint.objects.filter(pk__in=page_ids)
        .annotate(
            incident_kinds=_KindsInOrder(),
            evidence_count=_count(Evidence, complaint=OuterRef("pk")),
        )
        .order_by(*SORTS.get(sort, SORTS["recent"]))
        .values(
            "reference",
            "status",
            "next_due_at",
            "waiting_for_borrower_since",
            "lender__name",
            "assignee_id",
            "assignee__username",
            "assignee__display_name",
            "incident_kinds",
            "evidence_count",
        )
    )
    for row in rows:
        # Kind codes are slugs: a comma never occurs in one.
        every = row["incident_kinds"].split(",") if row["incident_kinds"] is not None else []
        row["incident_count"] = len(every)
        row["kind_codes"] = list(dict.fromkeys(every))
    return rows


def collector_summary(key: str) -> CollectorProfile:
    """The number's profile; an empty, unsaved one for a number no complaint names."""
    return collectors.profiles([key]).get(key) or CollectorProfile(key=key)


def collector_complaints(key: str) -> QuerySet[Complaint]:
    """The complaints that name the number, newest change first. Matched as the queue's
    search matches a number: an OR of its two EXISTS walked every complaint for a number
    named in a few (135 ms at 100,000, `make bench`'s L)."""
    return (
        Complaint.objects.exclude(status=Status.DRAFT)
        .filter(_number_match(key, []))
        .select_related("lender")
        .order_by("-status_changed_at", "-pk")
    )


def linked_collectors(
    complaint: Complaint, *, incidents: list[Incident] | None = None, keys: list[str] | None = None
) -> list[dict[str, Any]]:
    """For each collector this complaint names: how many other complaints name it, against whom.
    `keys`: the numbers it names, if the caller has them (the complaint page keeps them)."""
    if keys is not None:
        found_keys = keys
    elif incidents is None:
        # One query: the incidents' own numbers and their series' numbers.
        found_keys = list(
            complaint.incidents.order_by()
            .values_list("collector_id_normalized", flat=True)
            .union(
                IncidentNumber.objects.filter(complaint=complaint).order_by().values_list("number", flat=True)
            )
        )
    else:
        found_keys = [i.collector_id_normalized for i in incidents]
        # A series' numbers, already fetched with the page's incidents (complaints.page).
        found_keys += [n.number for i in incidents if i.is_series for n in i.numbers.all()]
    keys = sorted({k for k in found_keys if k})
    if not keys:
        return []
    found = collectors.profiles(keys)
    counted = complaint.status != Status.DRAFT
    return [
        {"key": k, **collectors.others(found.get(k), lender_name=complaint.lender.name, counted=counted)}
        for k in keys
    ]


def caseworkers() -> list[Any]:
    """Who a case can be handed to."""
    return list(
        get_user_model()
        .objects.filter(role__in=[Role.ADVOCATE, Role.ADMIN], is_active=True)
        .order_by("display_name", "username")
    )


def caseworker_choices() -> list[tuple[int, str]]:
    """(id, name) of who a case can be handed to. Every case page lists them, so the list
    is cached until someone's account changes (accounts bumps the people version)."""
    key = f"cases:caseworker-choices:{versions.version(PEOPLE_VERSION)}"
    found = cache.get(key)
    if found is None:
        found = [(u.pk, str(u)) for u in caseworkers()]
        cache.set(key, found, 3600)
    return found


def case_trail(complaint: Any) -> QuerySet[AuditEvent]:
    """The case's audit trail, newest first: who opened it, downloaded its files, moved it."""
    return AuditEvent.objects.filter(complaint=complaint).order_by("-created", "-pk")
