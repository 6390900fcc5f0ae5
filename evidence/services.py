"""Adding, processing, captioning and withdrawing evidence.

The upload path is synchronous only for what decides acceptance (type, size, decode);
everything that makes derived files runs in Celery after the upload has committed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_record
from complaints import hooks, permissions
from complaints.models import Complaint, Incident, TimelineEvent
from complaints.services import ComplaintError, case_activity_emit, timeline_log

from . import contained
from .models import MAX_PROCESSING_ATTEMPTS, Evidence, Reading
from .validation import EvidenceRejected, MarkerScan, ffmpeg_path, inspect_file, safe_display_name

logger = logging.getLogger(__name__)

DISPLAY_MAX_SIDE = 2560
# Thumbnails' width: a card fills a phone's width (about 340 CSS px) at twice the pixels.
THUMBNAIL_SIDE = 640


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
    added = [r.evidence for r in results if r.evidence is not None]
    # The borrower's new files are news for the advocates once the complaint is filed: one
    # notice for the upload, keyed on its first file (notifications groups the uploads
    # that follow within the half hour).
    if added and not complaint.is_draft and getattr(uploader, "pk", None) == complaint.filer_id:
        case_activity_emit(
            hooks.Activity.EVIDENCE_ADDED,
            complaint,
            uploader,
            added[0].created,
            added[0].pk,
            detail=str(len(added)),
        )
    return results


# Processing -------------------------------------------------------------------------


class TransientProcessingError(Exception):
    """Worth retrying: storage or a tool hiccuped, the file itself may be fine."""


# Decoders raise OSError subclasses for bad data too (PIL's UnidentifiedImageError), so
# only these specific kinds count as passing trouble.
_TRANSIENT = (FileNotFoundError, PermissionError, ConnectionError, TimeoutError, subprocess.TimeoutExpired)

# A claim older than this belongs to a worker that died (killed for its memory, the
# machine restarted): longer than Celery lets a task run (CELERY_TASK_TIME_LIMIT, ten
# minutes), so a slow run is never taken from under itself.
STALE_CLAIM = timedelta(minutes=15)
# A file the upload's message has not reached after this long is picked up by the sweep.
_LOST_MESSAGE = timedelta(minutes=10)
# Every tool stops well before Celery's soft time limit (540 s) would stop the task.
_TOOL_SECONDS = 480
# Less than this share of a recording decodes (minus half a second for encoder padding):
# it is damaged. A whole recording decodes to within a few hundredths of a second.
_DECODED_SHARE = 0.9


def _claimable(now: datetime, claim: uuid.UUID | None = None) -> Q:
    dead = Q(state=Evidence.State.PROCESSING, claimed_at__lt=now - STALE_CLAIM)
    if claim is not None:
        # The earlier run of this very task, whose worker died: its message came back.
        dead |= Q(state=Evidence.State.PROCESSING, claim=claim)
    return (Q(state__in=[Evidence.State.PENDING, Evidence.State.FAILED]) | dead) & Q(
        processing_attempts__lt=MAX_PROCESSING_ATTEMPTS
    )


def _claim(evidence_id: int, now: datetime, claim: uuid.UUID | None = None) -> Evidence | None:
    """Take the file for processing; None if another run has it or finished it.

    A conditional UPDATE is the claim, so two runs cannot both process it. Only a run
    of the same task (`claim`, its id) takes back a file it claimed: Celery delivers a
    message again only once its earlier run is over (acks late, a visibility timeout
    longer than any task may run). The attempt is counted in the claim itself: a worker that dies
    half way (a file that makes it run out of memory) still used one up.
    """
    claimed = Evidence.objects.filter(_claimable(now, claim), pk=evidence_id).update(
        state=Evidence.State.PROCESSING,
        claimed_at=now,
        claim=claim,
        processing_attempts=F("processing_attempts") + 1,
    )
    if not claimed:
        return None
    return Evidence.objects.get(pk=evidence_id)


@contextmanager
def _local_copy(evidence: Evidence) -> Iterator[tuple[str, str]]:
    """The original in a fresh temporary folder (storage may be remote): (folder, path)."""
    with tempfile.TemporaryDirectory(prefix="evidence-") as work:
        source = os.path.join(work, "source" + evidence.extension)
        with evidence.file.open("rb") as src, open(source, "wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        yield work, source


def _make_image_copies(source: str, out: str) -> dict[str, Any]:
    """Display copy and thumbnail of the picture at `source`, written into `out`, made in a
    child process with a memory limit: a picture small on disk and huge decoded cannot
    grow the Celery worker (contained.py). Returns their names and the picture's size."""
    try:
        answer = contained.run(
            "image_derive",
            source,
            str(settings.EVIDENCE_MAX_IMAGE_PIXELS),
            out,
            str(DISPLAY_MAX_SIDE),
            str(THUMBNAIL_SIDE),
            memory_mb=settings.EVIDENCE_DECODE_MEMORY_MB,
            seconds=_TOOL_SECONDS,
        )
    except contained.ContainedError as e:
        if e.reason == "timeout":
            raise TimeoutError("making the display copy took too long") from e
        raise ValueError("the image decoder stopped without an answer") from e
    if "error" in answer:
        raise ValueError(f"image: {answer['error']} {answer.get('detail', '')}".strip())
    return answer


def _read_screenshot(evidence: Evidence, source: str, now: datetime) -> None:
    """OCR, proposed incidents and the covered copy. A picture OCR cannot read is still
    good evidence: what went wrong is noted in its metadata, and the file is ready."""
    from . import readings

    try:
        reading = readings.reading_make(evidence=evidence, path=source, now=now)
    except readings.ReadingError as e:
        evidence.metadata = {**evidence.metadata, "ocr": str(e)[:200]}
        return
    except Exception as e:  # noqa: BLE001 - OCR of a hostile picture may fail in any way
        logger.warning("evidence %s: reading failed: %s", evidence.public_id, e)
        evidence.metadata = {**evidence.metadata, "ocr": f"{type(e).__name__}"}
        return
    evidence.metadata = {**evidence.metadata, "ocr": "read", "ocr_seconds": reading.seconds}


def _process_image(evidence: Evidence, now: datetime) -> None:
    with _local_copy(evidence) as (work, source):
        out = os.path.join(work, "out")
        os.mkdir(out)
        made = _make_image_copies(source, out)
        evidence.metadata = {**evidence.metadata, "width": made["width"], "height": made["height"]}
        with open(os.path.join(out, made["display"]), "rb") as f:
            evidence.display_file.save(made["display"], File(f), save=False)
        evidence.display_content_type = made["display_type"]
        with open(os.path.join(out, made["thumbnail"]), "rb") as f:
            evidence.thumbnail.save(made["thumbnail"], File(f), save=False)
        _read_screenshot(evidence, source, now)


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


# What the decoded sound is measured in: 8 kHz mono 16-bit, 16,000 bytes a second.
_PCM_RATE = 8000
_PCM_BYTES_PER_SECOND = _PCM_RATE * 2


def _transcode_and_decode(source: str, out: str, codec_args: list[str]) -> tuple[int, float, str]:
    """Write the playable copy and decode every frame, in one pass of ffmpeg.

    Returns (exit code, seconds of sound decoded, the end of ffmpeg's complaints). The
    decoded sound is counted, not kept: ffmpeg writes it to a pipe that is only measured.
    A decoder error skips the frame instead of stopping everything (no -xerror, and no
    exit code for a high share of bad frames): how much decodes is the verdict, not the
    first complaint. A recording that decodes for too long is stopped.
    """
    command = [
        *(ffmpeg_path() or "ffmpeg", "-nostdin", "-v", "error", "-y", "-max_error_rate", "1.0"),
        *("-i", source, "-map", "0:a:0", "-map_metadata", "-1", "-vn", *codec_args, out),
        *("-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(_PCM_RATE), "-f", "s16le", "pipe:1"),
    ]
    decoded = 0
    timed_out = threading.Event()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - fixed program, paths are ours
            command, stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.DEVNULL
        )

        def stop() -> None:
            timed_out.set()
            process.kill()

        timer = threading.Timer(_TOOL_SECONDS, stop)
        timer.start()
        try:
            assert process.stdout is not None
            while block := process.stdout.read(1024 * 1024):
                decoded += len(block)
            returncode = process.wait()
        finally:
            timer.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
        errors.seek(0)
        complaints = errors.read()[-200:].decode(errors="replace")
    if timed_out.is_set():
        raise subprocess.TimeoutExpired(command[0], _TOOL_SECONDS)
    return returncode, decoded / _PCM_BYTES_PER_SECOND, complaints


def _process_recording(evidence: Evidence) -> None:
    """A playable copy without metadata tags (AMR becomes AAC, which browsers can play),
    and every frame decoded: headers say how long a recording is, not whether it is whole.
    A recording of which too little decodes is marked damaged (`evidence.state`)."""
    if ffmpeg_path() is None:
        return  # the original plays where the browser can; nothing else to make
    with _local_copy(evidence) as (work, source):
        if "duration" not in evidence.metadata:
            duration = _probe_duration(source)
            if duration:
                evidence.metadata = {**evidence.metadata, "duration": duration}
        if evidence.content_type in ("audio/amr", "audio/aac"):
            target, content_type, args = "display.m4a", "audio/mp4", ["-c:a", "aac", "-b:a", "64k"]
        else:
            target, content_type, args = "display" + evidence.extension, evidence.content_type, ["-c", "copy"]
        out = os.path.join(work, target)
        returncode, decoded, complaints = _transcode_and_decode(source, out, args)
        if returncode != 0:
            raise ValueError(complaints)
        with open(out, "rb") as f:
            evidence.display_file.save(target, File(f), save=False)
        evidence.display_content_type = content_type
    # AMR's comfort-noise frames are silence the decoder does not sound: only its speech counts.
    expected = evidence.metadata.get("speech_duration", evidence.metadata.get("duration")) or 0
    evidence.metadata = {**evidence.metadata, "decoded_duration": round(decoded, 2)}
    if decoded <= 0 or decoded < _DECODED_SHARE * expected - 0.5:
        evidence.state = Evidence.State.DAMAGED
        evidence.processing_error = f"decoded {decoded:.1f} s of {expected:.1f} s"


def evidence_process(
    *, evidence_id: int, now: datetime | None = None, claim: uuid.UUID | None = None
) -> Evidence | None:
    """Make the derived files of one evidence file. Running it twice does the work once.
    `claim` names this run for good (the Celery task's id): the same task delivered again
    after its worker was killed takes the file back at once, not after STALE_CLAIM."""
    now = now or timezone.now()
    evidence = _claim(evidence_id, now, claim)
    if evidence is None:
        return None
    evidence.state = Evidence.State.READY
    evidence.processing_error = ""
    try:
        if evidence.kind == Evidence.Kind.IMAGE:
            _process_image(evidence, now)
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
    evidence.save(
        update_fields=[
            "state",
            "processing_error",
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
    evidence.save(update_fields=["state", "processing_error"])


def evidence_reclaim_stalled(*, now: datetime, limit: int = 500) -> list[int]:
    """The files to process again: never processed (the upload's message was lost),
    failed on a passing fault, or claimed by a worker that died. Files whose last try
    ended in a dead worker are given up on here (FAILED for good, which their page says
    plainly); the others are returned, for the caller to queue.
    """
    Evidence.objects.filter(
        state=Evidence.State.PROCESSING,
        claimed_at__lt=now - STALE_CLAIM,
        processing_attempts__gte=MAX_PROCESSING_ATTEMPTS,
    ).update(
        state=Evidence.State.FAILED,
        processing_error=f"processing stopped without an answer {MAX_PROCESSING_ATTEMPTS} times",
    )
    return list(
        Evidence.objects.filter(_claimable(now), created__lt=now - _LOST_MESSAGE)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


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
        files += [r.redacted_file for r in Reading.objects.filter(evidence=evidence) if r.redacted_file]
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


def evidence_opened(*, evidence: Evidence, actor: Any, how: str) -> None:
    """Someone opened or played a file (`how`: original, display, redacted, text): in the
    audit trail, whoever it was; the borrower's page lists who looked at their evidence."""
    audit_record(
        actor=actor,
        action=Action.DOWNLOAD_EVIDENCE,
        complaint=evidence.complaint,
        detail=f"{evidence.public_id} {how}",
    )


def evidence_add_received(*, complaint: Complaint, upload: Any, source: str, now: datetime) -> Evidence:
    """Keep one file that arrived for `complaint` from outside, with nobody's account
    behind it: an attachment of a body's reply by mail (escalations.inbound). Raises
    EvidenceRejected with the reason.

    The same checks as an upload (type from the bytes, name against type, size, decode,
    quota) and the same processing after commit; `uploaded_by` stays empty and `source`
    ("mail from <address>") is the caption. The caller has decided the file belongs to
    this complaint (the reply's token matched), so there is no uploader to check, and it
    writes the case's timeline entry itself, once for the whole reply.
    """
    name = safe_display_name(getattr(upload, "name", "") or "")
    with _local_path(upload) as local:
        size = os.path.getsize(local.path)
        inspection = inspect_file(local.path, name, size, scanned=local.scanned)
        with transaction.atomic():
            locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
            _check_quota(locked, size)
            evidence = Evidence(
                complaint=locked,
                kind=inspection.kind,
                original_name=name,
                extension=inspection.extension,
                content_type=inspection.content_type,
                size=size,
                sha256=local.sha256,
                caption=source[:300],
                metadata=inspection.metadata,
                uploaded_by=None,
                created=now,
            )
            with open(local.path, "rb") as f:
                evidence.file.save("original", File(f), save=False)
            try:
                evidence.save()
            except Exception:
                evidence.file.delete(save=False)
                raise
            transaction.on_commit(lambda: _enqueue_processing(evidence.pk), robust=True)
    return evidence
