"""The registry of brands and the institutions behind them: finding one by any name,
resolving what a borrower types, merging duplicates.

A brand (complaints.Lender) is what the borrower knows; an Institution is the company of
record. Both are found by name, other or short name, pinyin and initials, and an
institution also by its unified social credit code.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from lib import versions

from .models import (
    BRANDS_VERSION,
    COMPLAINTS_VERSION,
    BrandFunder,
    Complaint,
    Institution,
    Lender,
    RegistryChange,
    Verification,
)

CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def clean_name(raw: str) -> str:
    return " ".join((raw or "").split())


def _in_lines(text: str, name: str) -> bool:
    return name.casefold() in (line.strip().casefold() for line in text.splitlines())


RowT = TypeVar("RowT", Lender, Institution)


def surviving(row: RowT | None) -> RowT | None:
    """The row an admin merged this one into, following the chain; `row` if none."""
    seen = set()
    while row is not None and row.merged_into_id and row.pk not in seen:
        seen.add(row.pk)
        row = row.merged_into
    return row


def brand_find(name: str) -> Lender | None:
    """The brand a name refers to: its name, an alias, its pinyin or its initials."""
    name = clean_name(name)
    if not name:
        return None
    brand = Lender.objects.filter(name__iexact=name).first()
    if brand is None:
        folded = name.replace(" ", "").casefold()
        for candidate in Lender.objects.filter(
            Q(other_names__icontains=name) | Q(pinyin__iexact=folded) | Q(initials__iexact=folded)
        ).order_by("-confirmed", "pk"):
            if (
                _in_lines(candidate.other_names, name)
                or candidate.pinyin.casefold() == folded
                or candidate.initials.casefold() == folded
            ):
                brand = candidate
                break
    return surviving(brand)


# How long a name's brand is kept: any change to the brands makes it unreachable at once;
# the limit only bounds a write that skipped the version (a raw UPDATE in a shell).
BRAND_ID_SECONDS = 3600


def brand_id_find(name: str) -> int | None:
    """brand_find's brand, as its id, kept per typed name until any brand changes.

    Filing needs only the id, and brand_find is a query and a row built from it on every
    filing (0.9 ms of 18 at L, `make bench`); the cache answers with the brands' version
    in one round trip. Only ids are kept, never a row: a row names who first typed the
    brand, and a deleted person must leave nothing behind. A name no brand answers to is
    not kept: filing adds it, which moves the version anyway."""
    name = clean_name(name)
    if not name:
        return None
    key = brand_id_key(name)
    stamp, found = versions.stamped_get(BRANDS_VERSION, key)
    if found is not None:
        return found
    brand = brand_find(name)
    if brand is None:
        return None
    versions.stamped_set(key, stamp, brand.pk, BRAND_ID_SECONDS)
    return brand.pk


def brand_id_key(name: str) -> str:
    """The cache key of a cleaned name's brand id: hashed, as a name is whatever was typed."""
    return "brand-id:" + hashlib.sha256(name.encode()).hexdigest()


def brands_changed() -> None:
    """For every write to the brands: what brand_id_find kept is no longer read."""
    versions.bump(BRANDS_VERSION)


def institution_find(name: str) -> Institution | None:
    """The institution a name or credit code refers to: legal name, a short name, or the code."""
    name = clean_name(name)
    if not name:
        return None
    code = name.replace(" ", "").upper()
    institution = None
    if CREDIT_CODE.match(code):
        institution = Institution.objects.filter(credit_code=code).first()
    if institution is None:
        institution = Institution.objects.filter(name__iexact=name).first()
    if institution is None:
        for candidate in Institution.objects.filter(short_names__icontains=name).order_by("-confirmed", "pk"):
            if _in_lines(candidate.short_names, name):
                institution = candidate
                break
    return surviving(institution)


def institution_resolve(*, name: str, named_by: Any) -> Institution:
    """A known institution, or a new unconfirmed one that waits for an admin."""
    name = clean_name(name)
    found = institution_find(name)
    if found is not None:
        return found
    institution, _created = Institution.objects.get_or_create(
        name=name[:200], defaults={"named_by": named_by, "confirmed": False}
    )
    return institution


def brands_matching(query: str, *, limit: int = 20) -> list[Lender]:
    """Confirmed brands whose name, alias, pinyin or initials contain `query`."""
    qs = Lender.objects.filter(merged_into__isnull=True, confirmed=True)
    query = clean_name(query)
    if query:
        folded = query.replace(" ", "")
        qs = qs.filter(
            Q(name__icontains=query)
            | Q(other_names__icontains=query)
            | Q(pinyin__icontains=folded)
            | Q(initials__istartswith=folded)
        )
    return list(qs.order_by("name")[:limit])


def current_funders(
    brand: Lender | None, *, ranked: bool = False, today: date | None = None
) -> list[BrandFunder]:
    """A brand's funders, the likely ones first: pairings that hold today before those that
    ended (or have not begun), checked ones before unchecked, then by name. `ranked` also
    puts those named in the most complaints about the brand first among equals (the
    filing form's "which of these is on your contract?"); routing only needs the links,
    not a count over every complaint. Each link gets `current` for the templates."""
    if brand is None:
        return []
    today = today or timezone.localdate()
    links = list(
        BrandFunder.objects.filter(brand=brand, institution__merged_into__isnull=True).select_related(
            "institution"
        )
    )
    counts: dict[int, int] = {}
    if ranked and links:
        counts = dict(
            Complaint.objects.filter(
                lender=brand, funding_institution__in=[link.institution_id for link in links]
            )
            .values_list("funding_institution")
            .annotate(n=Count("pk"))
            .values_list("funding_institution", "n")
        )
    for link in links:
        link.current = link.is_current(today)  # type: ignore[attr-defined]
    return sorted(
        links,
        key=lambda link: (
            not link.current,  # type: ignore[attr-defined]
            link.state != Verification.VERIFIED,
            -counts.get(link.institution_id, 0),
            link.institution.name,
        ),
    )


def admin_search(query: str) -> Q:
    """The admin's search for an institution by any name or its credit code."""
    query = clean_name(query)
    return Q(name__icontains=query) | Q(short_names__icontains=query) | Q(credit_code__iexact=query.upper())


@transaction.atomic
def institutions_merge(*, keep: Institution, duplicates: QuerySet[Institution] | list[Institution]) -> int:
    """Merge duplicates into `keep`: complaints, brand links and operated brands follow;
    each duplicate stays, pointing at `keep`, so old links and typed names still resolve.
    Returns how many complaints moved."""
    others = [d for d in duplicates if d.pk != keep.pk]
    ids = [d.pk for d in others]
    moved = Complaint.objects.filter(funding_institution_id__in=ids).update(funding_institution=keep)
    for link in BrandFunder.objects.filter(institution_id__in=ids):
        if BrandFunder.objects.filter(brand_id=link.brand_id, institution=keep).exists():
            link.delete()
        else:
            link.institution = keep
            link.save(update_fields=["institution"])
    Lender.objects.filter(operator_id__in=ids).update(operator=keep)
    # A chain never ends in a duplicate: those merged into one of them now point at `keep`.
    Institution.objects.filter(merged_into_id__in=ids).update(merged_into=keep)
    Institution.objects.filter(pk__in=ids).update(merged_into=keep, updated=timezone.now())
    if moved:
        versions.bump(COMPLAINTS_VERSION)
    return moved


@transaction.atomic
def brands_merge(*, keep: Lender, duplicates: QuerySet[Lender] | list[Lender]) -> int:
    """Merge duplicate brands into `keep`: complaints and funder links follow."""
    ids = [d.pk for d in duplicates if d.pk != keep.pk]
    moved = Complaint.objects.filter(lender_id__in=ids).update(lender=keep)
    for link in BrandFunder.objects.filter(brand_id__in=ids):
        if BrandFunder.objects.filter(brand=keep, institution_id=link.institution_id).exists():
            link.delete()
        else:
            link.brand = keep
            link.save(update_fields=["brand"])
    Lender.objects.filter(merged_into_id__in=ids).update(merged_into=keep)
    Lender.objects.filter(pk__in=ids).update(merged_into=keep, updated=timezone.now())
    brands_changed()
    if moved:
        versions.bump(COMPLAINTS_VERSION)
    return moved


def registry_changes_record(
    *,
    entry: Lender | Institution,
    changes: list[tuple[str, str, str]],
    source: str,
    actor: Any,
    now: Any,
    detail: str = "",
) -> list[RegistryChange]:
    """Record who changed which fields of a brand or an institution, and how (an import
    and its file, or the admin form): (field, before, after); an empty field means added."""
    label = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        label = f"{actor.get_role_display()}: {actor.username}"[:160]
    else:
        actor = None
    owner = "institution" if isinstance(entry, Institution) else "brand"
    rows = [
        RegistryChange(
            **{owner: entry},
            field=name,
            old=old,
            new=new,
            source=source,
            source_detail=detail[:200],
            actor=actor,
            actor_label=label,
            created=now,
        )
        for name, old, new in changes
    ]
    return RegistryChange.objects.bulk_create(rows)
