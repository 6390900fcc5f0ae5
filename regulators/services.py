"""Everything that writes the regulator directory: seeding, CSV import and export, checks.

Views and the admin validate who may act, then call one of these.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_record
from lib import versions
from lib.spreadsheets import SpreadsheetError, decode_csv, formula_safe, formula_unsafe

from .forms import IMPORT_FIELDS, RegulatorCsvForm
from .models import Regulator, RegulatorChange
from .seed_data import seed_entries
from .selectors import DIRECTORY_VERSION

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
    if created:
        versions.bump(DIRECTORY_VERSION)
    return SeedResult(created=created, existing=existing)


def regulator_email_bounced(*, regulator_id: int, why: str, now: datetime) -> None:
    """A letter the app emailed to this body bounced: the app stops emailing it until an
    admin corrects the address. The first bounce's time stays ("bouncing since")."""
    Regulator.objects.filter(pk=regulator_id, email_failing_since__isnull=True).update(
        email_failing_since=now, updated=now
    )
    Regulator.objects.filter(pk=regulator_id).update(email_failure=why[:300])
    # The route and the send button read the directory from each worker's memory.
    transaction.on_commit(lambda: versions.bump(DIRECTORY_VERSION))


def regulators_mark_verified(*, regulators: QuerySet[Regulator], now: datetime) -> int:
    """Record that an admin checked these entries against their official sources."""
    marked = regulators.update(verified_at=now, updated=now)
    versions.bump(DIRECTORY_VERSION)  # the directory says which entries are not checked
    return marked


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


# --- Changes, by hand or by import ----------------------------------------------------

# What verified_at vouches for: the ways to reach a body, and how fast it must answer. A
# change to any of them makes the entry unchecked until someone checks it again.
CONTACT_FIELDS = ("hotline", "website", "email", "postal_address", "in_person")
CHECKED_FIELDS = (*CONTACT_FIELDS, "deadline_days", "deadline_working_days")


def _cells(regulator: Regulator) -> dict[str, str]:
    """The entry's fields as the text an export writes: what changes are compared on."""
    return {name: value for name, value in regulator_to_row(regulator).items() if name in CELL_FIELDS}


CELL_FIELDS = (*IMPORT_FIELDS, "verified_at")


def _to_second(moment: datetime | None) -> datetime | None:
    # The admin's form shows and posts a date to the second: an untouched one comes back
    # without its microseconds.
    return moment.replace(microsecond=0) if moment else None


def _failing_cell(regulator: Regulator) -> str:
    if regulator.email_failing_since is None:
        return ""
    since = timezone.localtime(regulator.email_failing_since).isoformat(timespec="minutes")
    return f"{since} {regulator.email_failure}".strip()


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return f"{actor.get_role_display()}: {actor.username}"[:160]


@dataclass
class SaveOutcome:
    changes: list[RegulatorChange]
    # The entry was checked, and a contact or the deadline changed: it is not any more.
    unverified: bool = False


@transaction.atomic
def regulator_save(
    *, regulator: Regulator, actor: Any, now: datetime, source: str, verified_anew: bool = False
) -> SaveOutcome:
    """Save an entry made or edited by an admin or an import, recording each changed field
    (who, when, before, after) as a RegulatorChange.

    A change to a contact or to the deadline clears `verified_at`: the check was of the
    old values. Only an admin who sets the check date in the same edit (`verified_anew`)
    keeps it; an import never does, since a spreadsheet cannot vouch for anything.
    """
    actor = actor if getattr(actor, "is_authenticated", False) else None
    label = _actor_label(actor)
    before = Regulator.objects.select_for_update().filter(pk=regulator.pk).first() if regulator.pk else None
    unverified = False
    if before is None:
        regulator.save()
        rows = [RegulatorChange(field="", old="", new=str(regulator))]
    else:
        old = _cells(before)
        changed = [name for name in IMPORT_FIELDS if old[name] != _cells(regulator)[name]]
        # A corrected address has not bounced yet: the app may email it again. An admin
        # who only clears the date does so too.
        if before.email != regulator.email and _to_second(before.email_failing_since) == _to_second(
            regulator.email_failing_since
        ):
            regulator.email_failing_since = None
        if regulator.email_failing_since is None:
            regulator.email_failure = ""
        if before.verified_at and set(changed) & set(CHECKED_FIELDS) and not verified_anew:
            regulator.verified_at = None
            unverified = True
        if before.verified_at != regulator.verified_at:
            changed.append("verified_at")
        failing = [_failing_cell(before), _failing_cell(regulator)]
        if not changed and failing[0] == failing[1]:
            return SaveOutcome(changes=[])
        regulator.save()
        new = _cells(regulator)
        rows = [RegulatorChange(field=name, old=old[name], new=new[name]) for name in changed]
        if failing[0] != failing[1]:
            rows.append(RegulatorChange(field="email_failing_since", old=failing[0], new=failing[1]))
    versions.bump(DIRECTORY_VERSION)
    for row in rows:
        row.regulator, row.actor, row.actor_label, row.source, row.created = (
            regulator,
            actor,
            label,
            source,
            now,
        )
    # The field-by-field record is RegulatorChange; the trail of who did what gets one line.
    audit_record(
        actor=actor,
        action=Action.DIRECTORY_EDIT,
        detail=f"{source} {regulator.pk} {', '.join(row.field or 'created' for row in rows)}",
    )
    return SaveOutcome(changes=RegulatorChange.objects.bulk_create(rows), unverified=unverified)


# --- CSV import --------------------------------------------------------------------
#
# All or nothing, in two steps: the preview reads and checks every row and says what
# would be added, changed and left alone, and which rows are wrong; nothing is saved
# until an admin confirms that very preview. A file with one bad row changes nothing
# (saving the good rows used to leave the directory half old, half new).


@dataclass
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    messages: list[str]


@dataclass
class RowPlan:
    row: int
    regulator: Regulator  # new (unsaved) or the entry with the row's values applied
    fields: list[str] = field(default_factory=list)  # what changes, for an existing entry
    old: dict[str, str] = field(default_factory=dict)

    @property
    def differences(self) -> list[tuple[str, str, str]]:
        new = _cells(self.regulator)
        return [(name, self.old.get(name, ""), new[name]) for name in self.fields]


@dataclass
class ImportPreview:
    added: list[RowPlan] = field(default_factory=list)
    changed: list[RowPlan] = field(default_factory=list)
    unchanged: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Names exactly this plan against exactly this state of the directory: a confirmation
    # applies what was shown, or nothing.
    digest: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportResult:
    created: list[Regulator] = field(default_factory=list)
    updated: list[Regulator] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _decode(data: bytes) -> str:
    # The reading rules (binary files refused, UTF-8 or Excel's GB18030) are shared with the
    # registry's import (lib/spreadsheets.py).
    try:
        return decode_csv(data)
    except SpreadsheetError as e:
        raise RegulatorImportError(str(e)) from e


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


def _plan_row(cells: Mapping[str, str], number: int) -> RowPlan | list[str]:
    """Check one row against the directory without saving: its plan, or its errors."""
    raw_id = cells.get("id", "")
    instance = None
    old: dict[str, str] = {}
    data = {name: cells[name] for name in IMPORT_FIELDS if name in cells}
    if raw_id:
        if not raw_id.isdigit():
            return [_("id: must be a number, or empty for a new entry.")]
        instance = Regulator.objects.filter(pk=int(raw_id)).first()
        if instance is None:
            return [_("id: no entry %(id)s; leave id empty to add a new entry.") % {"id": raw_id}]
        old = _cells(instance)
        # Columns the file leaves out keep their current value.
        data = {**old, **data}
    form = RegulatorCsvForm(data=data, instance=instance)
    if not form.is_valid():
        return _form_errors(form)
    regulator = form.instance
    new = _cells(regulator)
    fields = [name for name in IMPORT_FIELDS if instance is not None and old[name] != new[name]]
    return RowPlan(row=number, regulator=regulator, fields=fields, old=old)


def regulators_import_preview(*, data: bytes) -> ImportPreview:
    """What importing `data` would do, row by row; saves nothing.

    Raises RegulatorImportError for what spoils the whole file (not text, unknown
    columns...). Rows naming the same entry twice are errors: which one should win?
    """
    preview = ImportPreview()
    seen: dict[str, int] = {}
    for number, cells in parse_csv(data):
        raw_id = cells.get("id", "")
        if raw_id and raw_id in seen:
            preview.errors.append(
                RowError(
                    row=number,
                    messages=[
                        _("id: entry %(id)s is already in row %(row)d.") % {"id": raw_id, "row": seen[raw_id]}
                    ],
                )
            )
            continue
        if raw_id:
            seen[raw_id] = number
        plan = _plan_row(cells, number)
        if isinstance(plan, list):
            preview.errors.append(RowError(row=number, messages=plan))
        elif plan.regulator.pk is None:
            preview.added.append(plan)
        elif plan.fields:
            preview.changed.append(plan)
        else:
            preview.unchanged.append(plan)
    digest = hashlib.sha256(data)
    for plan in preview.changed + preview.unchanged:
        # The entries as they are now: a change made by someone else after the preview
        # makes the confirmation stale.
        digest.update(f"|{plan.regulator.pk}:{sorted(plan.old.items())}".encode())
    preview.digest = digest.hexdigest()
    return preview


@transaction.atomic
def regulators_import_csv(
    *, data: bytes, actor: Any = None, now: datetime | None = None, expected_digest: str | None = None
) -> ImportResult:
    """Apply the whole file, or nothing.

    The rows are checked again here (the preview may be minutes old); if any row is wrong
    nothing is saved and the result lists the errors. With `expected_digest` (the
    preview's) a directory changed since the preview raises RegulatorImportError. Every
    changed field is recorded (regulator_save), and contact changes clear verified_at.
    """
    now = now or timezone.now()
    preview = regulators_import_preview(data=data)
    if expected_digest is not None and expected_digest != preview.digest:
        raise RegulatorImportError(
            _("The directory or the file changed since the preview. Check the new preview and confirm again.")
        )
    if preview.errors:
        return ImportResult(errors=preview.errors)
    result = ImportResult()
    for plan in sorted(preview.added + preview.changed, key=lambda p: p.row):
        created = plan.regulator.pk is None
        try:
            with transaction.atomic():
                regulator_save(
                    regulator=plan.regulator, actor=actor, now=now, source=RegulatorChange.Source.IMPORT
                )
        except IntegrityError as e:
            # The whole import is rolled back with this row.
            raise RegulatorImportError(
                _("Row %(row)d could not be saved (%(error)s); nothing was imported.")
                % {"row": plan.row, "error": e}
            ) from e
        (result.created if created else result.updated).append(plan.regulator)
    return result
