"""Loading the seeded brands and institutions (complaints/lender_seed.py).

Run it as often as you like: it adds what is missing and never changes a row an admin has
saved (`admin_edited`). On a row nobody edited it only fills fields that are still empty,
so a later seed with more facts reaches databases seeded before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from .lender_seed import DOMAIN_BRANDS_SOURCE, DOMAIN_SOURCE, SEED_INSTITUTIONS, SEED_LENDERS, SEED_OPERATORS
from .models import BrandFunder, Institution, InstitutionSource, Lender, LicenceType, Verification
from .registry import brands_changed

# The facts each seeded institution has a source for.
SOURCED_FACTS = (
    InstitutionSource.Fact.NAME,
    InstitutionSource.Fact.LICENCE,
    InstitutionSource.Fact.REGISTERED,
)


@dataclass
class SeedReport:
    brands_added: int = 0
    institutions_added: int = 0
    links_added: int = 0
    operators_set: int = 0

    def __str__(self) -> str:
        return (
            f"Brands: {self.brands_added} added. Institutions: {self.institutions_added} added. "
            f"Brand–funder links: {self.links_added} added. Operators: {self.operators_set} set."
        )


def _fill_empty(row: Lender | Institution, values: dict[str, object]) -> None:
    """Fill the empty fields of a row no admin has saved; leave everything else."""
    if row.admin_edited is not None:
        return
    changed = []
    for name, value in values.items():
        if value and not getattr(row, name):
            setattr(row, name, value)
            changed.append(name)
    if changed:
        row.save(update_fields=[*changed, "updated"])


@transaction.atomic
def lenders_seed() -> SeedReport:
    report = SeedReport()
    brands: dict[str, Lender] = {}
    institutions: dict[str, Institution] = {}
    for entry in SEED_LENDERS:
        # Where the brand and what it is were read: a note an admin sees beside it.
        notes = f"出处：{entry.get('source', DOMAIN_BRANDS_SOURCE)}"
        fields = {
            "other_names": "\n".join(entry["other_names"]),  # type: ignore[arg-type]
            "licence_type": entry["licence_type"],
            "pinyin": entry["pinyin"],
            "initials": entry["initials"],
            "notes": notes,
        }
        brand, created = Lender.objects.get_or_create(
            name=entry["name"], defaults={**fields, "confirmed": True}
        )
        report.brands_added += created
        if not created:
            _fill_empty(brand, {"pinyin": entry["pinyin"], "initials": entry["initials"], "notes": notes})
        brands[brand.name] = brand
    for entry in SEED_INSTITUTIONS:
        fields = {
            "name": entry["name"],
            "short_names": "\n".join(entry["short_names"]),  # type: ignore[arg-type]
            "licence_type": entry["licence_type"],
            "province": entry["province"],
            "city_code": entry.get("city_code", ""),
        }
        institution = (
            Institution.objects.filter(seed_key=entry["seed_key"]).first()
            or Institution.objects.filter(name=entry["name"]).first()
        )
        if institution is None:
            institution = Institution.objects.create(seed_key=entry["seed_key"], confirmed=True, **fields)
            report.institutions_added += 1
        elif not institution.seed_key and institution.admin_edited is None:
            # One a borrower typed (or a funder migrated from a lender) is adopted, not doubled.
            institution.seed_key = str(entry["seed_key"])
            institution.confirmed = True
            if institution.licence_type == LicenceType.OTHER:
                institution.licence_type = str(entry["licence_type"])
            institution.save(update_fields=["seed_key", "confirmed", "licence_type", "updated"])
            _fill_empty(institution, fields)
        source = str(entry.get("source", DOMAIN_SOURCE))
        institutions[str(entry["seed_key"])] = institution
        for fact in SOURCED_FACTS:
            InstitutionSource.objects.get_or_create(
                institution=institution, fact=fact, defaults={"source": source}
            )
        for link in entry["brands"]:  # type: ignore[attr-defined]
            link = link if isinstance(link, dict) else {"brand": link, "source": source}
            # An existing link is never changed: an admin may have dated or checked it.
            _link, created = BrandFunder.objects.get_or_create(
                brand=brands[link["brand"]],
                institution=institution,
                defaults={
                    "source": link["source"],
                    "state": link.get("state", Verification.UNVERIFIED),
                    "since": link.get("since"),
                    "until": link.get("until"),
                },
            )
            report.links_added += created
    operators = {
        **{str(e["name"]): (str(e["operator"]), str(e["source"])) for e in SEED_LENDERS if e.get("operator")},
        **{name: (key, _source_of(key)) for name, key in SEED_OPERATORS.items()},
    }
    for brand_name, (key, source) in operators.items():
        brand = brands[brand_name]
        # Only on a brand no admin saved, and only where no operator is known yet.
        if brand.admin_edited is None and brand.operator_id is None:
            brand.operator, brand.operator_source = institutions[key], source
            brand.save(update_fields=["operator", "operator_source", "updated"])
            report.operators_set += 1
    # Names, pinyin and initials may have been filled in: what names resolve to is read anew.
    brands_changed()
    return report


def _source_of(seed_key: str) -> str:
    return next(str(e.get("source", DOMAIN_SOURCE)) for e in SEED_INSTITUTIONS if e["seed_key"] == seed_key)
