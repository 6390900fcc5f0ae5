"""Collector profiles: who a number has harassed, counted ahead of the pages that show it.

Pages read profiles (one query); changes to complaints ask for a refresh of the numbers
they name once the change is committed; a nightly task recounts every number, so a change
that slipped past (a bulk edit in a shell) lasts a day at most.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from complaints.models import Incident, IncidentNumber, Status
from lib.tasks import Nudge

from .models import CollectorProfile, CollectorRecount

_MAX_LENDERS = 50


def _count(key: str, now: datetime) -> CollectorProfile:
    # The number as an incident's own, or as one of a series' numbers.
    in_series = IncidentNumber.objects.filter(number=key).values("incident_id")
    incidents = Incident.objects.filter(Q(collector_id_normalized=key) | Q(pk__in=in_series)).exclude(
        complaint__status=Status.DRAFT
    )
    agg = incidents.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    per_lender = (
        incidents.order_by()
        .values_list("complaint__lender__name")
        .annotate(n=Count("complaint", distinct=True))
        .values_list("complaint__lender__name", "n")
    )
    lenders = sorted(per_lender, key=lambda row: (-row[1], row[0]))
    return CollectorProfile(
        key=key,
        complaint_count=incidents.values("complaint").distinct().count(),
        lenders=[[name, n] for name, n in lenders[:_MAX_LENDERS]],
        kinds=sorted(set(incidents.order_by().values_list("kind", flat=True).distinct())),
        first_seen=agg["first"],
        last_seen=agg["last"],
        refreshed_at=now,
    )


def refresh(keys: Iterable[str], *, changed_at: datetime | None = None) -> int:
    """Recount these numbers; with changed_at, skip those already recounted since then.
    Returns how many were recounted."""
    keys = sorted({k for k in keys if k})
    if changed_at is not None:
        fresh = set(
            CollectorProfile.objects.filter(key__in=keys, refreshed_at__gte=changed_at).values_list(
                "key", flat=True
            )
        )
        keys = [k for k in keys if k not in fresh]
    profiles = [_count(key, timezone.now()) for key in keys]
    _store(profiles)
    return len(profiles)


def _store(profiles: list[CollectorProfile]) -> None:
    empty = [p.key for p in profiles if not p.complaint_count]
    CollectorProfile.objects.filter(key__in=empty).delete()
    CollectorProfile.objects.bulk_create(
        [p for p in profiles if p.complaint_count],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["complaint_count", "lenders", "kinds", "first_seen", "last_seen", "refreshed_at"],
    )


def refresh_all() -> int:
    keys = set(
        Incident.objects.exclude(collector_id_normalized="")
        .values_list("collector_id_normalized", flat=True)
        .distinct()
    )
    keys.update(IncidentNumber.objects.values_list("number", flat=True).distinct())
    stale = set(CollectorProfile.objects.exclude(key__in=keys).values_list("key", flat=True))
    CollectorProfile.objects.filter(key__in=stale).delete()
    return refresh(keys)


def recount_soon(keys: Iterable[str]) -> None:
    """Have these numbers recounted once the change that touched them is committed
    (complaints.hooks.on_collectors_changed; called in the change's transaction)."""
    keys = sorted({k for k in keys if k})
    if not keys:
        return
    CollectorRecount.objects.bulk_create([CollectorRecount(key=k) for k in keys], ignore_conflicts=True)
    # robust: a broker that is down must not undo the borrower's change; the numbers
    # wait in their table for the next recount that runs.
    transaction.on_commit(nudge_recount, robust=True)


# Changes share a recount (lib.tasks.Nudge): it starts this many seconds after the first.
RECOUNT_DELAY_SECONDS = 5
# Numbers recounted per task; more waiting queue the next one.
RECOUNT_BATCH = 500
_recount_nudge = Nudge(RECOUNT_DELAY_SECONDS)


def nudge_recount() -> None:
    from .tasks import refresh_waiting_collectors

    _recount_nudge.send(refresh_waiting_collectors)


def forget_nudge() -> None:
    _recount_nudge.forget()


def refresh_waiting(limit: int = RECOUNT_BATCH) -> tuple[int, bool]:
    """Recount the numbers waiting, up to `limit`: how many, and whether more wait.

    The numbers are taken and recounted in one transaction: if the recount fails they
    still wait. Rows another recount has taken are skipped; a change that asks again for
    a number being recounted waits for that transaction, then leaves its own row."""
    with transaction.atomic():
        keys = list(
            CollectorRecount.objects.select_for_update(skip_locked=True)
            .order_by("key")
            .values_list("key", flat=True)[:limit]
        )
        refresh(keys)
        CollectorRecount.objects.filter(key__in=keys).delete()
    return len(keys), CollectorRecount.objects.exists()


def profiles(keys: Iterable[str]) -> dict[str, CollectorProfile]:
    """The profiles of these numbers; a number never counted yet is counted now."""
    keys = sorted({k for k in keys if k})
    found = {p.key: p for p in CollectorProfile.objects.filter(key__in=keys)}
    missing = [_count(k, timezone.now()) for k in keys if k not in found]
    if missing:
        _store(missing)
        found.update({p.key: p for p in missing})
    return found


def others(profile: CollectorProfile | None, *, lender_name: str, counted: bool) -> dict[str, Any]:
    """The profile seen from one complaint: the other complaints and their lenders."""
    if profile is None:
        return {"count": 0, "lenders": []}
    lenders = Counter(dict(profile.lenders))
    count = profile.complaint_count
    if counted:
        count -= 1
        lenders[lender_name] -= 1
    return {"count": max(count, 0), "lenders": sorted(name for name, n in lenders.items() if n > 0)}
