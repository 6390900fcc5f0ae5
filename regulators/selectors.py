"""Reads of the regulator directory."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from .models import Regulator, RegulatorKind

# How long an admin's check of an entry stays good: hotlines and portals move.
CHECK_EVERY = timedelta(days=365)

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
