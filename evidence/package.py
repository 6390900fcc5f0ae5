"""The evidence package: every file plus a manifest, as one ZIP built while it is sent.

It is what is shared with lenders and regulators: screenshots with third parties'
numbers covered go in as their covered copy (the manifest gives both fingerprints), the
rest as the originals.

zipfile can write to a stream that cannot seek (it then writes data descriptors), so
the archive is produced piece by piece and never held whole in memory or on disk.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from complaints.models import Complaint
from lib.spreadsheets import formula_safe
from lib.zipstream import ZipPipe

from .models import Evidence, Reading

_BLOCK = 256 * 1024


def _reading(evidence: Evidence) -> Reading | None:
    try:
        return evidence.reading
    except Reading.DoesNotExist:
        return None


def shared_copy(evidence: Evidence) -> tuple[Any, str, str]:
    """What the package shares of a file: (field or None, extension, SHA-256).

    A screenshot with something covered is shared as its covered copy; while that copy
    is being made again (the borrower changed the boxes) the file is left out rather
    than shared uncovered. Anything else is shared as the original."""
    reading = _reading(evidence)
    if reading is None or not reading.needs_redaction:
        return evidence.file, evidence.extension, evidence.sha256
    if reading.redacted_file:
        return reading.redacted_file, ".png", reading.redacted_sha256
    return None, "", ""


def covered_summary(evidence: Evidence) -> str:
    reading = _reading(evidence)
    if reading is None:
        return ""
    covered = reading.covered
    numbers = sum(1 for c in covered if c.get("kind") == "number")
    names = sum(1 for c in covered if c.get("kind") == "name")
    other = len(covered) - numbers - names
    parts = []
    if numbers:
        parts.append(
            ngettext("%(n)d other person's number", "%(n)d other people's numbers", numbers) % {"n": numbers}
        )
    if names:
        parts.append(ngettext("%(n)d name", "%(n)d names", names) % {"n": names})
    if other:
        parts.append(ngettext("%(n)d other area", "%(n)d other areas", other) % {"n": other})
    return ", ".join(parts)


def archive_name(evidence: Evidence, index: int) -> str:
    # Numbered so that two files named alike never collide, and never a path from the user.
    stem = evidence.original_name.rsplit(".", 1)[0][:60].replace("/", "_") or "file"
    field, extension, _sha = shared_copy(evidence)
    if field is None:
        return ""
    if field is not evidence.file:
        return f"evidence/{index:03d}-{stem}-covered{extension}"
    return f"evidence/{index:03d}-{stem}{evidence.extension}"


def manifest_rows(items: Iterable[tuple[int, Evidence]]) -> list[dict[str, str]]:
    rows = []
    for index, evidence in items:
        rows.append(
            {
                "file": archive_name(evidence, index),
                "original_name": evidence.original_name,
                "kind": evidence.get_kind_display(),
                "content_type": evidence.content_type,
                "size": str(evidence.size),
                "sha256": evidence.sha256,
                "uploaded": timezone.localtime(evidence.created).strftime("%Y-%m-%d %H:%M:%S"),
                "incident": str(evidence.incident) if evidence.incident_id else "",
                "caption": evidence.caption,
                "withdrawn": "yes" if evidence.is_withdrawn else "",
                "covered": covered_summary(evidence),
                "shared_sha256": _shared_sha(evidence),
            }
        )
    return rows


def _shared_sha(evidence: Evidence) -> str:
    field, _extension, sha256 = shared_copy(evidence)
    if field is None:
        return _("being made, not included")
    return sha256


def manifest_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0].keys()) if rows else ["file"])
    writer.writeheader()
    for row in rows:
        writer.writerow({k: formula_safe(v) for k, v in row.items()})
    # With a BOM so that Excel opens the Chinese text correctly.
    return buffer.getvalue().encode("utf-8-sig")


def stream_package(complaint: Complaint, evidence: list[Evidence]) -> Iterator[bytes]:
    items = list(enumerate(evidence, start=1))
    rows = manifest_rows(items)
    pipe = ZipPipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for index, item in items:
            field, _extension, _sha = shared_copy(item)
            if field is None:
                continue  # never the uncovered original in its place
            info = zipfile.ZipInfo(
                archive_name(item, index), date_time=timezone.localtime(item.created).timetuple()[:6]
            )
            info.compress_type = zipfile.ZIP_STORED
            with field.open("rb") as source, archive.open(info, mode="w", force_zip64=True) as target:
                while block := source.read(_BLOCK):
                    target.write(block)
                    yield pipe.drain()
            yield pipe.drain()
        archive.writestr("manifest.csv", manifest_csv(rows))
        # The manifest goes to regulators and courts: always in Chinese.
        with translation.override("zh-hans"):
            html = render_to_string(
                "evidence/manifest_standalone.html", {"complaint": complaint, "rows": rows}
            )
        archive.writestr("manifest.html", html.encode("utf-8"))
    yield pipe.drain()
