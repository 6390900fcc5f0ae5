"""Reads of the regulator directory."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from lib import versions

from .models import Regulator, RegulatorKind

# How long an admin's check of an entry stays good: hotlines and portals move.
CHECK_EVERY = timedelta(days=365)

# lib.versions name of the directory's rows: bumped by every service and admin page that
# changes an entry, so that what is cached from the directory is never shown stale.
DIRECTORY_VERSION = "regulators:directory"

# The directory lists bodies in the order a borrower usually needs them: financial
# regulators, the bodies for harassment itself, those for side issues (credit reports,
# consumer disputes), then legal help.
KIND_ORDER = [
    RegulatorKind.NFRA,
    RegulatorKind.LOCAL_FINANCIAL_BUREAU,
    RegulatorKind.CYBERSPACE,
    RegulatorKind.TELECOMS_REPORTING,
    RegulatorKind.POLICE,
    RegulatorKind.INDUSTRY_ASSOCIATION,
    RegulatorKind.CENTRAL_BANK,
    RegulatorKind.MARKET_REGULATION,
    RegulatorKind.LEGAL_AID,
    RegulatorKind.COURT,
]


# The active entries of one version of the directory, kept in this process's memory: the
# route of every complaint page is picked from them, and reading and building them was a
# tenth of the case page's time. A few hundred rows at most; one version at a time.
_active: dict[str, list[Regulator]] = {}


def active_regulators() -> list[Regulator]:
    """Every active entry, as of the directory's current version (DIRECTORY_VERSION).
    Shared between requests: callers read them and never change them."""
    version = versions.version(DIRECTORY_VERSION)
    entries = _active.get(version)
    if entries is None:
        entries = list(Regulator.objects.filter(active=True).order_by("pk"))
        _active.clear()
        _active[version] = entries
    return entries


def regulators_needing_check(qs: QuerySet[Regulator], *, now: datetime) -> QuerySet[Regulator]:
    """Entries nobody has checked, or not within CHECK_EVERY of `now`."""
    return qs.filter(Q(verified_at__isnull=True) | Q(verified_at__lt=now - CHECK_EVERY))


def directory_entries(*, province: str = "", kind_of_harm: str = "", q: str = "") -> list[Regulator]:
    """Active entries for the public directory.

    With a province: the national bodies plus that province's own; both apply to a
    borrower there. Without one: every entry, national ones first. Within that, in the
    order of KIND_ORDER.
    """
    qs = Regulator.objects.filter(active=True)
    if province:
        qs = qs.filter(Q(province="") | Q(province=province))
    q = " ".join(q.split())
    if q:
        qs = qs.filter(
            Q(name_zh__icontains=q)
            | Q(name_en__icontains=q)
            | Q(hotline__icontains=q)
            | Q(notes__icontains=q)
            | Q(notes_en__icontains=q)
        )
    kind_rank = Case(
        *(When(kind=kind, then=Value(rank)) for rank, kind in enumerate(KIND_ORDER)),
        default=Value(len(KIND_ORDER)),
        output_field=IntegerField(),
    )
    is_local = Case(When(province="", then=Value(0)), default=Value(1), output_field=IntegerField())
    qs = qs.annotate(kind_rank=kind_rank, is_local=is_local)
    if province:
        # One province: by kind, its own office before the national body of the same kind.
        qs = qs.order_by("kind_rank", "-is_local", "name_zh")
    else:
        # All of China: the national bodies first, then the provinces' offices.
        qs = qs.order_by("is_local", "kind_rank", "province", "name_zh")
    entries = list(qs)
    if kind_of_harm:
        # Filtered here, not in SQL: SQLite has no JSON "contains" lookup, and the
        # directory is a few hundred rows at most.
        entries = [r for r in entries if r.covers_harassment_kind(kind_of_harm)]
    return entries
