"""Everything that writes the regulator directory: seeding, CSV import and export, checks.

Views and the admin validate who may act, then call one of these.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lib.spreadsheets import formula_safe, formula_unsafe

from .forms import IMPORT_FIELDS, RegulatorCsvForm
from .models import Regulator
from .seed_data import seed_entries

# seed_key and verified_at are exported for reference and ignored on import: seeding
# owns seed_key, and only an admin's check (not a spreadsheet) sets verified_at.
EXPORT_FIELDS = ["id", *IMPORT_FIELDS, "seed_key", "verified_at"]
MAX_IMPORT_ROWS = 5000


class RegulatorImportError(Exception):
    """The file as a whole cannot be read; the message is for the admin."""


# --- Seeding -----------------------------------------------------------------------


@dataclass
class SeedResult:
    created: int
    existing: int


@transaction.atomic
def regulators_seed(*, entries: Iterable[Mapping[str, Any]] | None = None) -> SeedResult:
    """Create the seeded entries that are missing, matched by seed_key.

    An existing entry is never touched, so an admin's edits (a corrected hotline, a
    deactivated entry) survive every later run. A deleted entry comes back: admins
    retire entries by unticking "active".
    """
    created = existing = 0
    for entry in seed_entries() if entries is None else entries:
        data = dict(entry)
        key = data.pop("seed_key")
        # get_or_create copes with a second seed run racing this one on the unique key.
        _regulator, was_created = Regulator.objects.get_or_create(seed_key=key, defaults=data)
        if was_created:
            created += 1
        else:
            existing += 1
    return SeedResult(created=created, existing=existing)


def regulators_mark_verified(*, regulators: QuerySet[Regulator], now: datetime) -> int:
    """Record that an admin checked these entries against their official sources."""
    return regulators.update(verified_at=now, updated=now)


# --- CSV export --------------------------------------------------------------------


def regulator_to_row(regulator: Regulator) -> dict[str, str]:
    """One entry as spreadsheet cells, in the format the import reads."""
    row: dict[str, str] = {}
    for name in EXPORT_FIELDS:
        value = getattr(regulator, name)
        if isinstance(value, bool):
            row[name] = "yes" if value else "no"
        elif isinstance(value, list):
            row[name] = "; ".join(value)
        elif isinstance(value, datetime):
            row[name] = timezone.localtime(value).isoformat(timespec="seconds")
        elif value is None:
            row[name] = ""
        else:
            row[name] = str(value)
    return row


def regulators_export_csv(*, regulators: Iterable[Regulator]) -> str:
    """A CSV of the entries, every cell guarded against formula injection.

    Starts with a byte-order mark: without it, Excel in a Chinese locale reads UTF-8
    as GBK and garbles every name.
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(EXPORT_FIELDS)
    for regulator in regulators:
        row = regulator_to_row(regulator)
        writer.writerow([formula_safe(row[name]) for name in EXPORT_FIELDS])
    return out.getvalue()


# --- CSV import --------------------------------------------------------------------


@dataclass
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    messages: list[str]


@dataclass
class ImportResult:
    created: list[Regulator] = field(default_factory=list)
    updated: list[Regulator] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _decode(data: bytes) -> str:
    # UTF-8 first (with or without Excel's BOM); Excel in a Chinese locale saves GB18030.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RegulatorImportError(_("The file is neither UTF-8 nor GB18030 text."))


def parse_csv(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(row number, cells by column) for each non-empty data row.

    Raises RegulatorImportError for what spoils the whole file: unreadable text, unknown
    or missing columns, too many rows.
    """
    text = _decode(data)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        raise RegulatorImportError(_("The file is not valid CSV: %(error)s") % {"error": e}) from e
    if not records:
        raise RegulatorImportError(_("The file is empty."))
    header = [h.strip().lower() for h in records[0]]
    unknown = [h for h in header if h and h not in EXPORT_FIELDS]
    if unknown:
        raise RegulatorImportError(
            _("Unknown columns: %(columns)s. Use the columns of an export.") % {"columns": ", ".join(unknown)}
        )
    named = [h for h in header if h]  # spreadsheets leave empty header cells after the last column
    if len(set(named)) != len(named):
        raise RegulatorImportError(_("A column appears twice in the header."))
    if "id" not in header and not {"name_zh", "kind"} <= set(header):
        raise RegulatorImportError(_("New entries need at least the columns name_zh and kind."))
    if len(records) - 1 > MAX_IMPORT_ROWS:
        raise RegulatorImportError(
            _("The file has more than %(max)d rows; split it.") % {"max": MAX_IMPORT_ROWS}
        )
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        cells = {
            name: formula_unsafe(value.strip()) for name, value in zip(header, record, strict=False) if name
        }
        rows.append((number, cells))
    return rows


def _form_errors(form: RegulatorCsvForm) -> list[str]:
    messages = []
    for name, errors in form.errors.items():
        for error in errors:
            if name == "__all__":
                messages.append(str(error))
            else:
                messages.append(f"{name}: {error}")
    return messages


def _import_row(cells: Mapping[str, str]) -> tuple[Regulator | None, bool, list[str]]:
    """Validate and save one row: (entry, created?, error messages)."""
    raw_id = cells.get("id", "")
    instance = None
    data = {name: cells[name] for name in IMPORT_FIELDS if name in cells}
    if raw_id:
        if not raw_id.isdigit():
            return None, False, [_("id: must be a number, or empty for a new entry.")]
        instance = Regulator.objects.filter(pk=int(raw_id)).first()
        if instance is None:
            return (
                None,
                False,
                [_("id: no entry %(id)s; leave id empty to add a new entry.") % {"id": raw_id}],
            )
        # Columns the file leaves out keep their current value.
        data = {**{k: v for k, v in regulator_to_row(instance).items() if k in IMPORT_FIELDS}, **data}
    form = RegulatorCsvForm(data=data, instance=instance)
    if not form.is_valid():
        return None, False, _form_errors(form)
    try:
        # A savepoint per row: a row that fails at the database rolls back alone.
        with transaction.atomic():
            regulator = form.save()
    except IntegrityError as e:
        return None, False, [_("could not be saved: %(error)s") % {"error": e}]
    return regulator, instance is None, []


@transaction.atomic
def regulators_import_csv(*, data: bytes) -> ImportResult:
    """Create (no id) or update (existing id) one entry per row.

    Rows are validated with RegulatorCsvForm one by one; a bad row is reported with its
    row number and skipped, the good rows are saved. Rows are saved in file order, so a
    later row is checked against the earlier ones.
    """
    result = ImportResult()
    for number, cells in parse_csv(data):
        regulator, created, messages = _import_row(cells)
        if messages:
            result.errors.append(RowError(row=number, messages=messages))
        elif created:
            result.created.append(regulator)  # type: ignore[arg-type]
        else:
            result.updated.append(regulator)  # type: ignore[arg-type]
    return result
