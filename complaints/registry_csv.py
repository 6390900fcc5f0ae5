"""CSV export and all-or-nothing import of the registry: institutions with each fact's
citation and verification, brands with their operator and funder links.

As for the regulator directory: the preview checks every row and says what would be
added and changed, before and after; nothing is saved until an admin confirms that very
preview (a digest of the file and of the entries as they were), and one bad row saves
nothing. An import never overwrites an admin's edit unseen: a changed entry that an admin
edited after the file was exported (or whose file does not say when it was exported) is
flagged, and the confirmation must acknowledge it. Each applied change is recorded
(RegistryChange: who, when, from which file, before, after) and marks the entry as an
admin's, so that seeding leaves it alone.

Citations are added or corrected by a file, never removed: an empty source cell keeps the
citation there is. Funder links likewise: those the file lists are added or updated, the
others stay (a pairing that ended gets its `until`, it is not deleted).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import Action
from audit.services import audit_record
from lib import versions
from lib.spreadsheets import SpreadsheetError, decode_csv, formula_safe, formula_unsafe

from .models import (
    COMPLAINTS_VERSION,
    BrandFunder,
    Institution,
    InstitutionSource,
    Lender,
    RegistryChange,
    Verification,
)
from .registry import brands_changed, clean_name, institution_find, registry_changes_record

MAX_IMPORT_ROWS = 2000
MAX_SOURCE_CHARS = 2000
NAME_SEPARATOR = "; "
LINK_SEPARATOR = " | "
TRUE_WORDS = {"1", "yes", "y", "true", "t", "是", "对"}
FALSE_WORDS = {"0", "no", "n", "false", "f", "否", "不"}

INSTITUTIONS = "institutions"
BRANDS = "brands"

FACTS = [str(fact) for fact in InstitutionSource.Fact.values]
INSTITUTION_FIELDS = [
    "name",
    "short_names",
    "licence_type",
    "credit_code",
    "province",
    "city_code",
    "supervisor_override",
    "supervisor_override_province",
    "supervisor_override_reason",
    "hotline",
    "app_complaint_path",
    "complaint_email",
    "postal_address",
    "website",
    "notes",
    "confirmed",
]
# Facts a file may set only with a citation (each is also an InstitutionSource fact).
CITED_FACTS = ["credit_code", "hotline", "app_complaint_path", "complaint_email", "postal_address", "website"]
SOURCE_COLUMNS = [column for fact in FACTS for column in (f"source_{fact}", f"state_{fact}")]
BRAND_FIELDS = [
    "name",
    "other_names",
    "licence_type",
    "pinyin",
    "initials",
    "operator",
    "operator_source",
    "service_phone",
    "service_email",
    "service_url",
    "notes",
    "confirmed",
    "funders",
]
# What the file says and an import reads (after `id`), per kind.
COLUMNS = {INSTITUTIONS: [*INSTITUTION_FIELDS, *SOURCE_COLUMNS], BRANDS: BRAND_FIELDS}
# Written for reference: seeding owns seed_key, merging owns merged_into; admin_edited
# is read back to tell whether an admin edited an entry after the file was exported.
EXPORT_ONLY = {
    INSTITUTIONS: ["seed_key", "merged_into", "admin_edited"],
    BRANDS: ["merged_into", "admin_edited"],
}


def export_columns(kind: str) -> list[str]:
    return ["id", *COLUMNS[kind], *EXPORT_ONLY[kind]]


class RegistryImportError(Exception):
    """The file as a whole cannot be imported; the message is for the admin."""


# --- Cells ---------------------------------------------------------------------------


def _stamp(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _names(lines: str) -> str:
    return NAME_SEPARATOR.join(n.strip() for n in lines.splitlines() if n.strip())


def _institution_cells(institution: Institution, sources: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    cells = {}
    for name in INSTITUTION_FIELDS:
        value = getattr(institution, name)
        if name == "short_names":
            cells[name] = _names(value)
        elif isinstance(value, bool):
            cells[name] = _yes(value)
        else:
            cells[name] = str(value or "")
    for fact in FACTS:
        source, state = sources.get(fact, ("", ""))
        cells[f"source_{fact}"] = source
        cells[f"state_{fact}"] = state if source else ""
    return cells


@dataclass(frozen=True)
class Link:
    """A funder link as a file states it: one line of a brand's `funders` cell."""

    institution: Institution
    since: date | None
    until: date | None
    state: str
    source: str

    def line(self) -> str:
        return LINK_SEPARATOR.join(
            [
                self.institution.name,
                self.since.isoformat() if self.since else "",
                self.until.isoformat() if self.until else "",
                self.state,
                " ".join(self.source.split()),
            ]
        )


def _links_cell(links: Iterable[Link]) -> str:
    return "\n".join(sorted(link.line() for link in links))


def _brand_cells(brand: Lender, operator: Institution | None, links: Iterable[Link]) -> dict[str, str]:
    cells = {}
    for name in BRAND_FIELDS:
        if name == "operator":
            cells[name] = operator.name if operator else ""
        elif name == "funders":
            cells[name] = _links_cell(links)
        elif name == "other_names":
            cells[name] = _names(brand.other_names)
        else:
            value = getattr(brand, name)
            cells[name] = _yes(value) if isinstance(value, bool) else str(value or "")
    return cells


def _current_sources(institution: Institution) -> dict[str, tuple[str, str]]:
    return {s.fact: (s.source, s.state) for s in institution.sources.all()}


def _current_links(brand: Lender) -> list[Link]:
    return [
        Link(link.institution, link.since, link.until, link.state, link.source)
        for link in brand.funder_links.select_related("institution")
    ]


def _write(kind: str, rows: Iterable[dict[str, str]]) -> str:
    """Every cell guarded against formula injection; a BOM so that Excel in a Chinese
    locale reads UTF-8 rather than GBK."""
    columns = export_columns(kind)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([formula_safe(row.get(name, "")) for name in columns])
    return out.getvalue()


def institutions_export_csv(*, institutions: Iterable[Institution]) -> str:
    """Every institution with its facts, each fact's citation and verification state."""

    def rows() -> Iterable[dict[str, str]]:
        for institution in institutions:
            yield {
                "id": str(institution.pk),
                **_institution_cells(institution, _current_sources(institution)),
                "seed_key": institution.seed_key,
                "merged_into": institution.merged_into.name if institution.merged_into_id else "",
                "admin_edited": _stamp(institution.admin_edited),
            }

    return _write(INSTITUTIONS, rows())


def brands_export_csv(*, brands: Iterable[Lender]) -> str:
    """Every brand with its operator and funder links (each with its period, state and source)."""

    def rows() -> Iterable[dict[str, str]]:
        for brand in brands:
            yield {
                "id": str(brand.pk),
                **_brand_cells(brand, brand.operator, _current_links(brand)),
                "merged_into": brand.merged_into.name if brand.merged_into_id else "",
                "admin_edited": _stamp(brand.admin_edited),
            }

    return _write(BRANDS, rows())


# --- Reading a file ---------------------------------------------------------------------


def parse_csv(data: bytes, kind: str) -> list[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, cells by column) for each non-empty row.

    Raises RegistryImportError for what spoils the whole file."""
    try:
        text = decode_csv(data)
    except SpreadsheetError as e:
        raise RegistryImportError(str(e)) from e
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        raise RegistryImportError(_("The file is not valid CSV: %(error)s") % {"error": e}) from e
    if not records:
        raise RegistryImportError(_("The file is empty."))
    header = [h.strip().lower() for h in records[0]]
    known = set(export_columns(kind))
    unknown = [h for h in header if h and h not in known]
    if unknown:
        raise RegistryImportError(
            _("Unknown columns: %(columns)s. Use the columns of an export.") % {"columns": ", ".join(unknown)}
        )
    named = [h for h in header if h]
    if len(set(named)) != len(named):
        raise RegistryImportError(_("A column appears twice in the header."))
    if "id" not in header and "name" not in header:
        raise RegistryImportError(_("The file needs an id column, a name column, or both."))
    if len(records) - 1 > MAX_IMPORT_ROWS:
        raise RegistryImportError(
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


class YesNoField(forms.Field):
    """A yes/no cell; an empty one takes the default."""

    def __init__(self, *, default: bool, **kwargs: Any) -> None:
        self.default = default
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> bool:
        word = str(value if value is not None else "").strip().lower()
        if not word:
            return self.default
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise forms.ValidationError(gettext_lazy("Write yes or no."))


class InstitutionCsvForm(forms.ModelForm):
    """One row of an institutions file: the admin's own checks (model validation included)."""

    website = forms.URLField(required=False, max_length=200, assume_scheme="https")
    # What an admin imports is what an admin vouches for.
    confirmed = YesNoField(default=True)

    class Meta:
        model = Institution
        fields = INSTITUTION_FIELDS


class BrandCsvForm(forms.ModelForm):
    service_url = forms.URLField(required=False, max_length=200, assume_scheme="https")
    confirmed = YesNoField(default=True)

    class Meta:
        model = Lender
        fields = [name for name in BRAND_FIELDS if name not in ("operator", "funders")]


def _form_errors(form: forms.BaseForm) -> list[str]:
    found = []
    for name, errors in form.errors.items():
        for error in errors:
            found.append(str(error) if name == "__all__" else f"{name}: {error}")
    return found


# --- Planning ---------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    messages: list[str]


@dataclass
class RowPlan:
    row: int
    instance: Any  # the entry with the row's values applied; unsaved (pk None when new)
    old: dict[str, str]
    new: dict[str, str]
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    operator: Institution | None = None
    links: list[Link] = field(default_factory=list)
    # Set when the import would overwrite what an admin set after the file was exported.
    warning: str = ""

    @property
    def is_new(self) -> bool:
        return self.instance.pk is None

    @property
    def fields(self) -> list[str]:
        return [name for name in self.new if self.old.get(name, "") != self.new[name]]

    @property
    def differences(self) -> list[tuple[str, str, str]]:
        return [(name, self.old.get(name, ""), self.new[name]) for name in self.fields]


@dataclass
class ImportPreview:
    kind: str
    added: list[RowPlan] = field(default_factory=list)
    changed: list[RowPlan] = field(default_factory=list)
    unchanged: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    digest: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def overwrites(self) -> list[RowPlan]:
        return [plan for plan in self.changed if plan.warning]


def _admin_edit_warning(instance: Any, cells: Mapping[str, str]) -> str:
    """Whether an admin's edit would be overwritten without the file's author having seen it."""
    if instance.admin_edited is None:
        return ""
    when = timezone.localtime(instance.admin_edited).strftime("%Y-%m-%d %H:%M")
    if "admin_edited" not in cells:
        return _(
            "An admin edited this entry on %(when)s and the file does not say which version it "
            "started from: the import replaces the values in “before”."
        ) % {"when": when}
    # An empty cell: nobody had edited the entry when the file was exported.
    try:
        exported = parse_datetime(cells["admin_edited"]) if cells["admin_edited"] else None
    except ValueError:
        exported = None
    if exported is not None and timezone.is_naive(exported):
        exported = timezone.make_aware(exported)
    if exported is None or instance.admin_edited.replace(microsecond=0) > exported:
        return _(
            "An admin edited this entry on %(when)s, after this file was exported: the import "
            "replaces what they set (the values in “before”)."
        ) % {"when": when}
    return ""


def _existing(model: type, cells: Mapping[str, str]) -> tuple[Any, list[str]]:
    raw_id = cells.get("id", "")
    if not raw_id:
        return None, []
    if not raw_id.isdigit():
        return None, [_("id: must be a number, or empty for a new entry.")]
    instance = model.objects.filter(pk=int(raw_id)).first()
    if instance is None:
        return None, [_("id: no entry %(id)s; leave id empty to add a new entry.") % {"id": raw_id}]
    if instance.merged_into_id:
        return None, [
            _("id: entry %(id)s was merged into “%(name)s”; change that one instead.")
            % {"id": raw_id, "name": instance.merged_into.name}
        ]
    return instance, []


def _form_data(
    cells: Mapping[str, str], base: Mapping[str, str], fields: Iterable[str], lists: Iterable[str]
) -> dict[str, str]:
    # Columns the file leaves out keep their current value (a new entry: the default).
    data = {name: cells.get(name, base.get(name, "")) for name in fields}
    for name in lists:
        data[name] = "\n".join(clean_name(n) for n in data[name].replace("；", ";").split(";") if n.strip())
    return data


def _plan_institution(number: int, cells: Mapping[str, str]) -> RowPlan | list[str]:
    instance, problems = _existing(Institution, cells)
    if problems:
        return problems
    old_sources = _current_sources(instance) if instance else {}
    old = _institution_cells(instance, old_sources) if instance else {}
    base = old or {**_institution_cells(Institution(), {}), "confirmed": ""}
    form = InstitutionCsvForm(
        data=_form_data(cells, base, INSTITUTION_FIELDS, ["short_names"]), instance=instance
    )
    problems = [] if form.is_valid() else _form_errors(form)
    sources = dict(old_sources)
    for fact in FACTS:
        source = " ".join(cells.get(f"source_{fact}", "").split())
        state = cells.get(f"state_{fact}", "").strip().lower()
        if state and state not in Verification.values:
            problems.append(
                _("%(column)s: unknown state %(state)s; use %(valid)s.")
                % {"column": f"state_{fact}", "state": state, "valid": ", ".join(Verification.values)}
            )
            continue
        if len(source) > MAX_SOURCE_CHARS:
            problems.append(_("%(column)s: too long.") % {"column": f"source_{fact}"})
            continue
        had_source, had_state = sources.get(fact, ("", ""))
        if state and not (source or had_source):
            problems.append(
                _("%(column)s: a verification state needs a source (source_%(fact)s).")
                % {"column": f"state_{fact}", "fact": fact}
            )
            continue
        if source or state:
            sources[fact] = (source or had_source, state or had_state or Verification.UNVERIFIED)
    if problems:
        return problems
    institution = form.instance
    # A way to reach a lender, or its code, that a file sets without saying where it comes
    # from is refused: a wrong hotline sends a harassed borrower nowhere.
    new_cells = _institution_cells(institution, sources)
    for fact in CITED_FACTS:
        if new_cells[fact] and new_cells[fact] != old.get(fact, "") and fact not in sources:
            problems.append(_("%(column)s: say where it comes from in source_%(column)s.") % {"column": fact})
    if problems:
        return problems
    return RowPlan(
        row=number,
        instance=institution,
        old=old,
        new=new_cells,
        sources=sources,
        warning=_admin_edit_warning(instance, cells) if instance else "",
    )


def _parse_links(text: str, current: list[Link]) -> tuple[list[Link], list[str]]:
    """The links after applying the `funders` cell: those it lists added or updated, the
    others kept."""
    by_institution = {link.institution.pk: link for link in current}
    listed: set[int] = set()
    problems = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|", 4)]
        parts += [""] * (5 - len(parts))
        name, since_text, until_text, state, source = parts
        source = " ".join(source.split())
        institution = institution_find(name)
        if institution is None:
            problems.append(
                _("funders: no institution “%(name)s”; import or add it first, then the brand.")
                % {"name": name}
            )
            continue
        if institution.pk in listed:
            problems.append(_("funders: “%(name)s” is listed twice.") % {"name": institution.name})
            continue
        listed.add(institution.pk)
        dates = []
        for text_value in (since_text, until_text):
            try:
                parsed = parse_date(text_value) if text_value else None
            except ValueError:  # well formed but no such day, e.g. 2020-13-01
                parsed = None
            if text_value and parsed is None:
                problems.append(_("funders: “%(value)s” is not a date (YYYY-MM-DD).") % {"value": text_value})
            dates.append(parsed)
        since, until = dates
        if since and until and until < since:
            problems.append(_("funders: “%(name)s” ends before it starts.") % {"name": institution.name})
        state = state.lower()
        if state and state not in Verification.values:
            problems.append(
                _("funders: unknown state %(state)s; use %(valid)s.")
                % {"state": state, "valid": ", ".join(Verification.values)}
            )
        before = by_institution.get(institution.pk)
        if not source and before is None:
            problems.append(
                _("funders: say where the pairing with “%(name)s” is published (the last part of the line).")
                % {"name": institution.name}
            )
        by_institution[institution.pk] = Link(
            institution,
            since,
            until,
            state or (before.state if before else Verification.UNVERIFIED),
            source or (before.source if before else ""),
        )
    return list(by_institution.values()), problems


def _plan_brand(number: int, cells: Mapping[str, str]) -> RowPlan | list[str]:
    instance, problems = _existing(Lender, cells)
    if problems:
        return problems
    old_links = _current_links(instance) if instance else []
    old = _brand_cells(instance, instance.operator, old_links) if instance else {}
    form_fields = [name for name in BRAND_FIELDS if name not in ("operator", "funders")]
    base = old or {**_brand_cells(Lender(), None, []), "confirmed": ""}
    form = BrandCsvForm(data=_form_data(cells, base, form_fields, ["other_names"]), instance=instance)
    problems = [] if form.is_valid() else _form_errors(form)
    operator = instance.operator if instance else None
    if "operator" in cells:
        operator = institution_find(cells["operator"]) if cells["operator"] else None
        if cells["operator"] and operator is None:
            problems.append(
                _("operator: no institution “%(name)s”; import or add it first.")
                % {"name": cells["operator"]}
            )
        elif (
            operator
            and operator != (instance.operator if instance else None)
            and not form.cleaned_data.get("operator_source", "").strip()
        ):
            problems.append(_("operator_source: say where the operator comes from."))
    links = old_links
    if cells.get("funders"):
        links, link_problems = _parse_links(cells["funders"], old_links)
        problems.extend(link_problems)
    if problems:
        return problems
    brand = form.instance
    brand.operator = operator
    return RowPlan(
        row=number,
        instance=brand,
        old=old,
        new=_brand_cells(brand, operator, links),
        operator=operator,
        links=links,
        warning=_admin_edit_warning(instance, cells) if instance else "",
    )


def import_preview(*, data: bytes, kind: str) -> ImportPreview:
    """What importing `data` would do, row by row; saves nothing.

    Raises RegistryImportError for what spoils the whole file. Two rows naming the same
    entry, the same name or the same credit code are errors: which one should win?
    """
    if kind not in COLUMNS:
        raise RegistryImportError(_("Unknown kind of file."))
    plan_row = _plan_institution if kind == INSTITUTIONS else _plan_brand
    preview = ImportPreview(kind=kind)
    seen: dict[tuple[str, str], int] = {}
    for number, cells in parse_csv(data, kind):
        keys = [("id", cells.get("id", "")), ("name", cells.get("name", "").casefold())]
        if kind == INSTITUTIONS:
            keys.append(("credit_code", cells.get("credit_code", "").upper()))
        repeated = [
            _("%(column)s: the same as in row %(row)d.") % {"column": column, "row": seen[(column, value)]}
            for column, value in keys
            if value and (column, value) in seen
        ]
        for column, value in keys:
            if value:
                seen.setdefault((column, value), number)
        plan = repeated or plan_row(number, cells)
        if isinstance(plan, list):
            preview.errors.append(RowError(row=number, messages=plan))
        elif plan.is_new:
            preview.added.append(plan)
        elif plan.fields:
            preview.changed.append(plan)
        else:
            preview.unchanged.append(plan)
    digest = hashlib.sha256(kind.encode() + b"\0" + data)
    for plan in preview.changed + preview.unchanged:
        # The entries as they are now: a change made meanwhile makes the confirmation stale.
        digest.update(f"|{plan.instance.pk}:{sorted(plan.old.items())}".encode())
    preview.digest = digest.hexdigest()
    return preview


# --- Applying ---------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: list[Any] = field(default_factory=list)
    updated: list[Any] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _save_institution(plan: RowPlan, now: datetime) -> None:
    institution = plan.instance
    institution.admin_edited = now
    institution.save()
    current = {s.fact: s for s in institution.sources.all()}
    for fact, (source, state) in plan.sources.items():
        row = current.get(fact)
        if row is None:
            InstitutionSource.objects.create(
                institution=institution,
                fact=fact,
                source=source,
                state=state,
                checked_at=now if state == Verification.VERIFIED else None,
            )
        elif (row.source, row.state) != (source, state):
            if state != row.state:
                row.checked_at = now
            row.source, row.state = source, state
            row.save(update_fields=["source", "state", "checked_at"])


def _save_brand(plan: RowPlan, now: datetime) -> None:
    brand = plan.instance
    brand.admin_edited = now
    brand.save()
    current = {link.institution_id: link for link in brand.funder_links.all()}
    for link in plan.links:
        row = current.get(link.institution.pk)
        values = {"since": link.since, "until": link.until, "state": link.state, "source": link.source}
        if row is None:
            BrandFunder.objects.create(brand=brand, institution=link.institution, **values)
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.save(update_fields=list(values))


@transaction.atomic
def import_apply(
    *,
    data: bytes,
    kind: str,
    actor: Any,
    now: datetime,
    file_name: str = "",
    expected_digest: str | None = None,
    overwrite_confirmed: bool = False,
) -> ImportResult:
    """Apply the whole file, or nothing.

    Rows are checked again (the preview may be minutes old). With `expected_digest` (the
    preview's), a registry or file changed since the preview raises RegistryImportError;
    so does a file that would overwrite an admin's later edit without `overwrite_confirmed`.
    Each changed field is recorded as a RegistryChange with the editor and the file.
    """
    preview = import_preview(data=data, kind=kind)
    if expected_digest is not None and expected_digest != preview.digest:
        raise RegistryImportError(
            _("The registry or the file changed since the preview. Check the new preview and confirm again.")
        )
    if preview.errors:
        return ImportResult(errors=preview.errors)
    if preview.overwrites and not overwrite_confirmed:
        raise RegistryImportError(
            _("The file overwrites edits an admin made after it was exported. Tick the box to confirm that.")
        )
    save = _save_institution if kind == INSTITUTIONS else _save_brand
    owner = "institution" if kind == INSTITUTIONS else "brand"
    result = ImportResult()
    for plan in sorted(preview.added + preview.changed, key=lambda p: p.row):
        created = plan.is_new
        fields = plan.fields
        try:
            with transaction.atomic():
                save(plan, now)
        except IntegrityError as e:
            raise RegistryImportError(
                _("Row %(row)d could not be saved (%(error)s); nothing was imported.")
                % {"row": plan.row, "error": e}
            ) from e
        registry_changes_record(
            entry=plan.instance,
            changes=[("", "", plan.instance.name)] if created else plan.differences,
            source=RegistryChange.Source.IMPORT,
            actor=actor,
            now=now,
            detail=file_name,
        )
        audit_record(
            actor=actor,
            action=Action.DIRECTORY_EDIT,
            detail=f"import {owner} {plan.instance.pk} {', '.join(fields) if not created else 'created'}",
        )
        (result.created if created else result.updated).append(plan.instance)
    if result.created or result.updated:
        versions.bump(COMPLAINTS_VERSION)
        if kind != INSTITUTIONS:
            brands_changed()
    return result
