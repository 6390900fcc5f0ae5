"""Adding, processing, captioning and withdrawing evidence.

The upload path is synchronous only for what decides acceptance (type, size, decode);
everything that makes derived files runs in Celery after the upload has committed.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from accounts import permissions
from complaints.models import Complaint, Incident, TimelineEvent
from complaints.services import ComplaintError, timeline_log

from .models import Evidence
from .validation import EvidenceRejected, MarkerScan, ffmpeg_path, inspect_file, safe_display_name

logger = logging.getLogger(__name__)

DISPLAY_MAX_SIDE = 2560
THUMBNAIL_SIDE = 320


@dataclass
class UploadResult:
    name: str
    evidence: Evidence | None = None
    error: str = ""

    @property
    def accepted(self) -> bool:
        return self.evidence is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "accepted": self.accepted,
            "error": self.error or None,
            "id": str(self.evidence.public_id) if self.evidence else None,
            "sha256": self.evidence.sha256 if self.evidence else None,
        }


@dataclass
class _Local:
    path: str
    sha256: str
    scanned: MarkerScan | None = None  # the search for web code made as the bytes arrived
    movable: Any = None  # the upload itself when storage may take over its temporary file


def _from_handler(upload: Any) -> bool:
    return hasattr(upload, "temporary_file_path") and bool(getattr(upload, "sha256", None))


@contextmanager
def _local_path(upload: Any) -> Iterator[_Local]:
    """A path on disk for the upload and the SHA-256 of its bytes.

    Uploads through the hashing handler are already on disk and hashed; anything else
    (files made by seed_demo, for instance) is copied to a temporary file in chunks.
    """
    if _from_handler(upload):
        yield _Local(
            upload.temporary_file_path(), upload.sha256, getattr(upload, "marker_scan", None), upload
        )
        return
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(prefix="evidence-", dir=settings.FILE_UPLOAD_TEMP_DIR) as tmp:
        for chunk in upload.chunks():
            digest.update(chunk)
            tmp.write(chunk)
        tmp.flush()
        yield _Local(tmp.name, digest.hexdigest())


def _check_quota(complaint: Complaint, size: int) -> None:
    totals = Evidence.objects.filter(complaint=complaint).aggregate(n=Count("pk"), total=Sum("size"))
    if totals["n"] >= settings.EVIDENCE_MAX_FILES_PER_COMPLAINT:
        raise EvidenceRejected(
            _("This complaint already has %(n)d files, the most it can hold.") % {"n": totals["n"]}
        )
    limit = settings.EVIDENCE_MAX_BYTES_PER_COMPLAINT
    if (totals["total"] or 0) + size > limit:
        raise EvidenceRejected(
            _("This file would take the complaint's evidence over its limit of %(limit)s.")
            % {"limit": filesizeformat(limit)}
        )


def evidence_add(
    *,
    complaint: Complaint,
    uploader: Any,
    upload: Any,
    incident: Incident | None = None,
    caption: str = "",
    now: datetime | None = None,
) -> Evidence:
    """Check one uploaded file and keep it; raises EvidenceRejected with the reason."""
    now = now or timezone.now()
    name = safe_display_name(getattr(upload, "name", "") or "")
    if not permissions.can_upload_evidence(uploader, complaint):
        raise EvidenceRejected(_("You cannot add evidence to this complaint."))
    if incident is not None and incident.complaint_id != complaint.pk:
        raise EvidenceRejected(_("That incident belongs to another complaint."))
    if getattr(upload, "too_large", False):
        raise EvidenceRejected(
            _("This file is %(size)s, more than any evidence file may be.")
            % {"size": filesizeformat(upload.size)}
        )
    with _local_path(upload) as local:
        path, sha256 = local.path, local.sha256
        size = os.path.getsize(path)
        inspection = inspect_file(path, name, size, scanned=local.scanned)
        with transaction.atomic():
            # Serialises uploads to one complaint so two at once cannot both pass the quota.
            locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
            _check_quota(locked, size)
            evidence = Evidence(
                complaint=locked,
                incident=incident,
                kind=inspection.kind,
                original_name=name,
                extension=inspection.extension,
                content_type=inspection.content_type,
                size=size,
                sha256=sha256,
                caption=caption[:300],
                metadata=inspection.metadata,
                uploaded_by=uploader,
                created=now,
            )
            if local.movable is not None:
                # The checked temporary file itself: the file system storage renames it
                # into place instead of copying every byte again; others read it as usual.
                evidence.file.save("original", local.movable, save=False)
            else:
                with open(path, "rb") as f:
                    evidence.file.save("original", File(f), save=False)
            try:
                evidence.save()
                if not locked.is_draft:
                    timeline_log(locked, kind=TimelineEvent.Kind.EVIDENCE, actor=uploader, now=now, note=name)
            except Exception:
                evidence.file.delete(save=False)  # no orphan file if the row did not make it
                raise
            transaction.on_commit(lambda: _enqueue_processing(evidence.pk), robust=True)
    return evidence


def _enqueue_processing(evidence_id: int) -> None:
    from .tasks import process_evidence

    process_evidence.delay(evidence_id)


def evidence_add_many(
    *,
    complaint: Complaint,
    uploader: Any,
    uploads: list[Any],
    incident: Incident | None = None,
    caption: str = "",
) -> list[UploadResult]:
    """One verdict per file, in order; a refused file never drops the others."""
    results = []
    for upload in uploads:
        name = safe_display_name(getattr(upload, "name", "") or "")
        try:
            evidence = evidence_add(
                complaint=complaint, uploader=uploader, upload=upload, incident=incident, caption=caption
            )
        except EvidenceRejected as e:
            results.append(UploadResult(name=name, error=str(e)))
        else:
            results.append(UploadResult(name=name, evidence=evidence))
    return results


# Processing -------------------------------------------------------------------------


class TransientProcessingError(Exception):
    """Worth retrying: storage or a tool hiccuped, the file itself may be fine."""


# Decoders raise OSError subclasses for bad data too (PIL's UnidentifiedImageError), so
# only these specific kinds count as passing trouble.
_TRANSIENT = (FileNotFoundError, PermissionError, ConnectionError, TimeoutError, subprocess.TimeoutExpired)


def _claim(evidence_id: int) -> Evidence | None:
    """Take the file for processing; None if another run already has it or finished it.

    A conditional UPDATE is the claim, so two workers given the same message cannot
    both process it.
    """
    claimed = Evidence.objects.filter(
        pk=evidence_id, state__in=[Evidence.State.PENDING, Evidence.State.FAILED]
    ).update(state=Evidence.State.PROCESSING)
    if not claimed:
        return None
    return Evidence.objects.get(pk=evidence_id)


def _clean_image(im: Image.Image) -> Image.Image:
    """Upright, and with no metadata: EXIF (GPS, device), XMP and comments stay behind."""
    im = ImageOps.exif_transpose(im)
    if im.mode not in ("RGB", "RGBA", "L"):
        im = im.convert("RGBA" if "A" in im.getbands() else "RGB")
    clean = im.copy()
    clean.info = {}
    return clean


def _image_bytes(im: Image.Image) -> tuple[bytes, str, str]:
    buffer = io.BytesIO()
    if im.mode == "RGBA":
        im.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue(), "image/png", ".png"
    im.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue(), "image/jpeg", ".jpg"


def _process_image(evidence: Evidence) -> None:
    with evidence.file.open("rb") as f, Image.open(f) as original:
        original.load()
        clean = _clean_image(original)
    evidence.metadata = {**evidence.metadata, "width": clean.width, "height": clean.height}
    display = clean.copy()
    display.thumbnail((DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE))
    data, content_type, ext = _image_bytes(display)
    evidence.display_file.save(f"display{ext}", ContentFile(data), save=False)
    evidence.display_content_type = content_type
    thumb = clean.copy()
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    data, _content_type, ext = _image_bytes(thumb)
    evidence.thumbnail.save(f"thumbnail{ext}", ContentFile(data), save=False)


def _run_ffmpeg(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603 - fixed program, paths are ours
        [ffmpeg_path() or "ffmpeg", "-nostdin", "-v", "error", "-y", *args],
        capture_output=True,
        timeout=1800,
        check=False,
    )


def _probe_duration(path: str) -> float | None:
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return None
    result = subprocess.run(  # noqa: S603
        [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
        capture_output=True,
        timeout=120,
        check=False,
        text=True,
    )
    try:
        return round(float(result.stdout.strip()), 2)
    except ValueError:
        return None


def _process_recording(evidence: Evidence) -> None:
    """A playable copy without metadata tags; AMR becomes AAC, which browsers can play."""
    if ffmpeg_path() is None:
        return  # the original plays where the browser can; nothing else to make
    with tempfile.TemporaryDirectory(prefix="evidence-") as work:
        source = os.path.join(work, "source" + evidence.extension)
        with evidence.file.open("rb") as src, open(source, "wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        if "duration" not in evidence.metadata:
            duration = _probe_duration(source)
            if duration:
                evidence.metadata = {**evidence.metadata, "duration": duration}
        if evidence.content_type in ("audio/amr", "audio/aac"):
            target, content_type, args = "display.m4a", "audio/mp4", ["-c:a", "aac", "-b:a", "64k"]
        else:
            target, content_type, args = "display" + evidence.extension, evidence.content_type, ["-c", "copy"]
        out = os.path.join(work, target)
        result = _run_ffmpeg(["-i", source, "-map_metadata", "-1", "-vn", *args, out])
        if result.returncode != 0:
            raise ValueError(result.stderr.decode(errors="replace")[-200:])
        with open(out, "rb") as f:
            evidence.display_file.save(target, File(f), save=False)
        evidence.display_content_type = content_type


def evidence_process(*, evidence_id: int) -> Evidence | None:
    """Make the derived files of one evidence file. Running it twice does the work once."""
    evidence = _claim(evidence_id)
    if evidence is None:
        return None
    evidence.processing_attempts += 1
    try:
        if evidence.kind == Evidence.Kind.IMAGE:
            _process_image(evidence)
        elif evidence.kind == Evidence.Kind.RECORDING:
            _process_recording(evidence)
    except _TRANSIENT as e:
        # Storage or tool trouble, not the file's fault: the retry and the sweep try again.
        _mark_failed(evidence, f"{type(e).__name__}: {e}"[:300])
        raise TransientProcessingError(str(e)) from e
    except Exception as e:  # noqa: BLE001 - a hostile file may break a decoder in any way
        logger.warning("evidence %s failed processing: %s", evidence.public_id, e)
        _mark_failed(evidence, f"{type(e).__name__}: {e}"[:300])
        return evidence
    evidence.state = Evidence.State.READY
    evidence.processing_error = ""
    evidence.save(
        update_fields=[
            "state",
            "processing_error",
            "processing_attempts",
            "metadata",
            "display_file",
            "display_content_type",
            "thumbnail",
        ]
    )
    return evidence


def _mark_failed(evidence: Evidence, error: str) -> None:
    evidence.state = Evidence.State.FAILED
    evidence.processing_error = error
    evidence.save(update_fields=["state", "processing_error", "processing_attempts"])


# Changes by the filer ----------------------------------------------------------------


def evidence_set_caption(*, evidence: Evidence, actor: Any, caption: str) -> Evidence:
    if not permissions.can_manage_evidence(actor, evidence.complaint):
        raise ComplaintError(_("Only the person who filed the complaint can change this."))
    evidence.caption = caption.strip()[:300]
    evidence.save(update_fields=["caption"])
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: Evidence, actor: Any, reason: str = "", now: datetime | None = None) -> str:
    """Delete while the complaint is a draft; afterwards withdraw, visibly, and keep the file.

    Returns "deleted" or "withdrawn".
    """
    now = now or timezone.now()
    complaint = Complaint.objects.select_for_update().get(pk=evidence.complaint_id)
    if not permissions.can_manage_evidence(actor, complaint):
        raise ComplaintError(_("Only the person who filed the complaint can remove evidence."))
    if complaint.is_draft:
        files = [f for f in (evidence.file, evidence.display_file, evidence.thumbnail) if f]
        evidence.delete()
        # Files go only once the row is gone for good.
        transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files], robust=True)
        return "deleted"
    if evidence.is_withdrawn:
        raise ComplaintError(_("This file was already withdrawn."))
    reason = reason.strip()
    if not reason:
        raise ComplaintError(_("Please say why you withdraw this file."))
    evidence.withdrawn_at = now
    evidence.withdrawn_reason = reason[:300]
    evidence.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    timeline_log(
        complaint,
        kind=TimelineEvent.Kind.EVIDENCE_WITHDRAWN,
        actor=actor,
        now=now,
        note=f"{evidence.original_name}: {reason}",
    )
    return "withdrawn"
