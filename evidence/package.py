"""The evidence packages: files plus a manifest, as one ZIP built while it is sent.

There are two, because a photo's original can say where it was taken (EXIF GPS) and a
recording's tags can too:
- **for sharing** (the default, what goes to police, lenders and regulators): the
  copies made without metadata (pictures re-encoded, recordings re-muxed without tags),
  screenshots with third parties' numbers covered as their covered copy. Each file's own
  SHA-256 is in the manifest beside its original's, so the link to the original can be
  proved. A picture or recording whose clean copy does not exist (yet) is left out and
  the manifest says why: never the original in its place. Text and PDFs carry no camera
  position and go in as uploaded.
- **originals**: every file byte for byte, for a court or a forensic check.

zipfile can write to a stream that cannot seek (it then writes data descriptors), so
the archive is produced piece by piece and never held whole in memory or on disk; the
hashes of the shared copies are computed on the way and the manifest written last.
"""

from __future__ import annotations

import csv
import hashlib
import io
import mimetypes
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.models import Action
from audit.services import audit_record
from complaints.models import Complaint
from lib.spreadsheets import formula_safe
from lib.zipstream import ZipPipe

from .models import Evidence, Reading

SHARING = "sharing"
ORIGINALS = "originals"
PACKAGES = (SHARING, ORIGINALS)

_BLOCK = 256 * 1024


def _reading(evidence: Evidence) -> Reading | None:
    try:
        return evidence.reading
    except Reading.DoesNotExist:
        return None


def shared_copy(evidence: Evidence) -> tuple[Any, str, str]:
    """What the sharing package holds of a file: (field or None, extension, known SHA-256).

    A screenshot with something covered is shared as its covered copy; while that copy
    is being made again (the borrower changed the boxes) the file is left out rather
    than shared uncovered. Pictures and recordings are shared as their copy without
    metadata (whose SHA-256 is worked out while it is sent: "" here), and left out until
    it exists. Text and PDFs are shared as uploaded."""
    reading = _reading(evidence)
    if reading is not None and reading.needs_redaction:
        if reading.redacted_file:
            return reading.redacted_file, ".png", reading.redacted_sha256
        return None, "", ""
    if evidence.kind in (Evidence.Kind.IMAGE, Evidence.Kind.RECORDING):
        if not evidence.display_file:
            return None, "", ""
        extension = (
            "." + evidence.display_file.name.rsplit(".", 1)[-1] if "." in evidence.display_file.name else ""
        )
        return evidence.display_file, extension, ""
    return evidence.file, evidence.extension, evidence.sha256


def left_out_reason(evidence: Evidence) -> str:
    """Why the sharing package leaves a file out ("" when it holds it)."""
    field, _extension, _sha = shared_copy(evidence)
    if field is not None:
        return ""
    reading = _reading(evidence)
    if reading is not None and reading.needs_redaction:
        return _("The covered copy is being made; not included.")
    return _("No copy without location data yet; only in the package of originals.")


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


def _stem(evidence: Evidence) -> str:
    # Never a path from the user.
    return evidence.original_name.rsplit(".", 1)[0][:60].replace("/", "_").replace("\\", "_") or "file"


def archive_name(evidence: Evidence, index: int, package: str = SHARING) -> str:
    """The file's name inside the ZIP, "" when the package leaves it out. Numbered so
    that two files named alike never collide."""
    stem = _stem(evidence)
    if package == ORIGINALS:
        return f"evidence/{index:03d}-{stem}{evidence.extension}"
    field, extension, _sha = shared_copy(evidence)
    if field is None:
        return ""
    if field is evidence.file:
        return f"evidence/{index:03d}-{stem}{evidence.extension}"
    reading = _reading(evidence)
    if reading is not None and field is reading.redacted_file:
        return f"evidence/{index:03d}-{stem}-covered{extension}"
    return f"evidence/{index:03d}-{stem}-copy{extension}"


def manifest_rows(
    items: Iterable[tuple[int, Evidence]],
    package: str = SHARING,
    sent: dict[int, tuple[str, int]] | None = None,
) -> list[dict[str, str]]:
    """One row per file. `sent` holds (SHA-256, size) of each copy as it went into the
    ZIP, by evidence id; without it (the evidence list page) a copy's hash is shown only
    where it is stored (the covered copies)."""
    sent = sent or {}
    rows = []
    for index, evidence in items:
        field, _extension, known_sha = shared_copy(evidence)
        if package == ORIGINALS:
            sha, size, content_type = evidence.sha256, str(evidence.size), evidence.content_type
        elif field is None:
            sha, size, content_type = "", "", ""
        else:
            sha, size = sent.get(evidence.pk, (known_sha, 0))
            size = str(size or (evidence.size if field is evidence.file else ""))
            content_type = (
                evidence.content_type
                if field is evidence.file
                else (mimetypes.guess_type(field.name)[0] or "application/octet-stream")
            )
        rows.append(
            {
                "file": archive_name(evidence, index, package),
                "original_name": evidence.original_name,
                "kind": evidence.get_kind_display(),
                "content_type": content_type,
                "size": size,
                "sha256": sha,
                "original_sha256": evidence.sha256,
                "uploaded": timezone.localtime(evidence.created).strftime("%Y-%m-%d %H:%M:%S"),
                "incident": str(evidence.incident) if evidence.incident_id else "",
                "caption": evidence.caption,
                "withdrawn": "yes" if evidence.is_withdrawn else "",
                "covered": covered_summary(evidence) if package == SHARING else "",
                "note": left_out_reason(evidence) if package == SHARING else "",
            }
        )
    return rows


def manifest_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0].keys()) if rows else ["file"])
    writer.writeheader()
    for row in rows:
        writer.writerow({k: formula_safe(v) for k, v in row.items()})
    # With a BOM so that Excel opens the Chinese text correctly.
    return buffer.getvalue().encode("utf-8-sig")


def stream_package(complaint: Complaint, evidence: list[Evidence], package: str = SHARING) -> Iterator[bytes]:
    items = list(enumerate(evidence, start=1))
    sent: dict[int, tuple[str, int]] = {}
    pipe = ZipPipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for index, item in items:
            field = item.file if package == ORIGINALS else shared_copy(item)[0]
            if field is None:
                continue  # never the original in place of a copy that is not there
            info = zipfile.ZipInfo(
                archive_name(item, index, package), date_time=timezone.localtime(item.created).timetuple()[:6]
            )
            info.compress_type = zipfile.ZIP_STORED
            # The originals' hashes were taken at upload; a shared copy's is taken here,
            # of exactly the bytes that go out.
            digest = hashlib.sha256() if package == SHARING else None
            size = 0
            with field.open("rb") as source, archive.open(info, mode="w", force_zip64=True) as target:
                while block := source.read(_BLOCK):
                    if digest is not None:
                        digest.update(block)
                    size += len(block)
                    target.write(block)
                    yield pipe.drain()
            if digest is not None:
                sent[item.pk] = (digest.hexdigest(), size)
            yield pipe.drain()
        # The manifest goes to regulators and courts: always in Chinese.
        with translation.override("zh-hans"):
            rows = manifest_rows(items, package, sent)
            archive.writestr("manifest.csv", manifest_csv(rows))
            html = render_to_string(
                "evidence/manifest_standalone.html",
                {"complaint": complaint, "rows": rows, "package": package},
            )
        archive.writestr("manifest.html", html.encode("utf-8"))
    yield pipe.drain()


def package_opened(*, complaint: Complaint, actor: Any, kind: str) -> None:
    """A package was downloaded (`kind`: sharing or originals): in the audit trail."""
    audit_record(actor=actor, action=Action.DOWNLOAD_PACKAGE, complaint=complaint, detail=kind)
