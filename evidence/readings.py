"""Reading screenshots: OCR, the incidents it proposes, and the redacted copy that is shared.

OCR runs in the processing task after the file's checks and copies (services.py), in a
child process with the same memory limit as the decoders and a time limit of its own
(contained.py). Nothing read is ever recorded as an incident by itself: proposals wait
for the borrower. Third parties' numbers and names are covered in a copy of the picture
made in a child process too, flattened into its pixels; every change of what is covered
makes a new copy, through a Celery task, and the package waits for it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import time as clock
import unicodedata
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import permissions
from complaints.models import Channel, ContactedParty, HarassmentKind
from complaints.services import ComplaintError, incident_add
from lib.phones import mask_phone, normalize_phone

from . import contained, screens
from .models import Evidence, Proposal, Reading, ReadingGram, reading_upload_to

logger = logging.getLogger(__name__)

# Reading one screenshot takes one to three seconds; a picture that takes a minute is
# not a screenshot worth reading, and the task has other files to get to.
OCR_SECONDS = 60
_WHITESPACE = re.compile(r"\s+")


class ReadingError(Exception):
    """OCR gave no answer for this file (it is kept and shown all the same)."""


def search_text(text: str) -> str:
    """What phrase search compares: no spaces (OCR puts them between Chinese characters
    where the screen had none), one case, full-width folded."""

    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()


def grams(text: str) -> set[str]:
    folded = search_text(text)
    return {folded[i : i + 2] for i in range(len(folded) - 1)}


def ocr_file(path: str, work: str) -> dict[str, Any]:
    """OCR of the picture at `path`: {"width", "height", "lines", "photo_date"}."""
    try:
        answer = contained.run(
            "ocr",
            path,
            str(settings.EVIDENCE_MAX_IMAGE_PIXELS),
            work,
            str(OCR_SECONDS),
            memory_mb=settings.EVIDENCE_DECODE_MEMORY_MB,
            seconds=OCR_SECONDS + 15,
        )
    except contained.ContainedError as e:
        raise ReadingError(f"ocr {e.reason}") from e
    if "error" in answer:
        raise ReadingError(f"ocr: {answer['error']} {answer.get('detail', '')}".strip())
    return answer


def redact_file(path: str, boxes: list[list[int]], out: str) -> str:
    """Write the covered copy of `path` into the folder `out`; returns its path."""
    boxes_path = os.path.join(out, "boxes.json")
    with open(boxes_path, "w", encoding="utf-8") as f:
        json.dump(boxes, f)
    try:
        answer = contained.run(
            "redact",
            path,
            str(settings.EVIDENCE_MAX_IMAGE_PIXELS),
            boxes_path,
            out,
            memory_mb=settings.EVIDENCE_DECODE_MEMORY_MB,
            seconds=OCR_SECONDS,
        )
    except contained.ContainedError as e:
        raise ReadingError(f"redaction {e.reason}") from e
    if "error" in answer:
        raise ReadingError(f"redaction: {answer['error']}")
    return os.path.join(out, answer["file"])


# Covers ------------------------------------------------------------------------------


def _label(kind: str, text: str) -> str:
    if kind == "number":
        return mask_phone(text)
    if kind == "name":
        return text[:1] + "*" * (len(text) - 1)
    return text[:4] + "…" if len(text) > 4 else text


def _detected_items(screen: screens.Screen, lines: list[dict[str, Any]], pad: int) -> list[dict[str, Any]]:
    """Everything the borrower may cover, third parties' data covered from the start; the
    other lines of text are listed uncovered, so a name OCR did not pair with a number
    can still be covered without drawing."""
    items = []
    for index, cover in enumerate(screen.covers):
        items.append(
            {
                "id": f"d{index}",
                "kind": cover.kind,
                "label": _label(cover.kind, cover.text),
                "reason": cover.reason,
                "boxes": cover.boxes,
                "covered": True,
                "by": "auto",
            }
        )
    for index, line in enumerate(lines):
        box = line.get("box")
        text = str(line.get("text") or "").strip()
        if not box or not text:
            continue
        items.append(
            {
                "id": f"l{index}",
                "kind": "line",
                "label": text[:40],
                "reason": "",
                "boxes": [[box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad]],
                "covered": False,
                "by": "",
            }
        )
    return items


def covered_boxes(reading: Reading) -> list[list[int]]:
    return [box for item in reading.covered for box in item["boxes"]]


# Proposals ---------------------------------------------------------------------------


def _mask_numbers(text: str, numbers: list[str], names: list[str]) -> str:
    """The quote as it may go into letters: third parties' numbers masked, names hidden."""
    for number in numbers:
        # Match the digits however they were split (spaces, dashes, a line break).
        pattern = r"[\s\-]?".join(re.escape(d) for d in number)
        text = re.sub(pattern, mask_phone(number), text)
    for name in names:
        text = text.replace(name, name[:1] + "某" * (len(name) - 1))
    return text


def _proposals_from(screen: screens.Screen, evidence: Evidence) -> list[Proposal]:
    names = [c.text for c in screen.covers if c.kind == "name"]
    found = []
    for position, message in enumerate(screen.messages):
        printed = None
        if message.month_day and evidence.reading.shot_day:
            printed = screens.day_of(evidence.reading.shot_day, None, message.month_day)
        found.append(
            Proposal(
                evidence=evidence,
                complaint_id=evidence.complaint_id,
                position=position,
                channel=Channel.IM if screen.channel == "im" else Channel.SMS,
                kind=message.kind,
                contacted=message.contacted,
                collector_id=screen.sender[:80],
                at=message.time,
                printed_day=printed,
                days_before=message.day_offset or 0,
                quote=_mask_numbers(message.text, message.third_party_numbers, names)[:5000],
                third_party_numbers=message.third_party_numbers,
            )
        )
    for position, calls in enumerate(screen.calls, start=len(found)):
        night = any(t.hour >= 22 or t.hour < 8 for t in calls.times)
        printed = None
        if calls.month_day and evidence.reading.shot_day:
            printed = screens.day_of(evidence.reading.shot_day, None, calls.month_day)
        found.append(
            Proposal(
                evidence=evidence,
                complaint_id=evidence.complaint_id,
                position=position,
                channel=Channel.CALL,
                kind=HarassmentKind.NIGHT_CALLS if night else HarassmentKind.EXCESSIVE_FREQUENCY,
                contacted=ContactedParty.SELF,
                collector_id=screen.sender[:80],
                at=calls.times[0],
                printed_day=printed,
                days_before=calls.day_offset or 0,
                call_times=[f"{t:%H:%M}" for t in calls.times],
            )
        )
    return found


# Processing --------------------------------------------------------------------------


def _borrower_numbers(evidence: Evidence) -> set[str]:
    phone = getattr(evidence.complaint.filer, "phone", None) or ""
    return {normalize_phone(phone)} if phone else set()


def reading_make(*, evidence: Evidence, path: str, now: datetime) -> Reading:
    """Read the screenshot at `path` (the evidence's original, on local disk), propose its
    incidents and make its covered copy. Running it again replaces what is still only
    proposed; what the borrower accepted or dismissed stays as they left it."""
    with tempfile.TemporaryDirectory(prefix="ocr-") as work:
        started = clock.monotonic()
        answer = ocr_file(path, work)
        seconds = clock.monotonic() - started
        lines = answer["lines"]
        width, height = int(answer["width"]), int(answer["height"])
        screen = screens.read_screen(lines, width, height, borrower_numbers=_borrower_numbers(evidence))
        shot_day = date.fromisoformat(answer["photo_date"]) if answer.get("photo_date") else None
        if shot_day is None or shot_day > timezone.localdate(now):
            shot_day = timezone.localdate(evidence.created)
        text = "\n".join(str(line["text"]) for line in lines)
        heights = [line["box"][3] - line["box"][1] for line in lines if line.get("box")]
        pad = max(2, round(min(heights) * 0.25)) if heights else 2
        previous = Reading.objects.filter(evidence=evidence).values_list("redacted_file", flat=True).first()
        with transaction.atomic():
            reading, _created = Reading.objects.update_or_create(
                evidence=evidence,
                defaults={
                    "text": text,
                    "search_text": search_text(text),
                    "lines": lines,
                    "width": width,
                    "height": height,
                    "sender": screen.sender[:80],
                    "shot_day": shot_day,
                    "seconds": round(seconds, 3),
                    "covers": _detected_items(screen, lines, pad),
                    "redacted_file": "",
                    "redacted_sha256": "",
                    "redacted_at": None,
                    "created": now,
                },
            )
            evidence.reading = reading
            ReadingGram.objects.filter(reading=reading).delete()
            ReadingGram.objects.bulk_create(
                [
                    ReadingGram(gram=g, reading=reading, complaint_id=evidence.complaint_id)
                    for g in sorted(grams(text))
                ]
            )
            Proposal.objects.filter(evidence=evidence, state=Proposal.State.PROPOSED).delete()
            Proposal.objects.bulk_create(_proposals_from(screen, evidence))
        if previous:
            reading.redacted_file.storage.delete(previous)
        if reading.needs_redaction:
            try:
                _write_redacted(reading, path, work, version=reading.redaction_version, now=now)
            except (ReadingError, OSError) as e:
                # The package leaves the file out until a covered copy exists: try again apart.
                logger.warning("evidence %s: covered copy failed: %s", evidence.public_id, e)
                _enqueue_redaction(reading.pk, reading.redaction_version)
    return reading


def _write_redacted(reading: Reading, path: str, work: str, *, version: int, now: datetime) -> bool:
    """Make the covered copy for `version` of the covers; False if they changed meanwhile."""
    out = os.path.join(work, f"redacted-{version}")
    os.mkdir(out)
    made = redact_file(path, covered_boxes(reading), out)
    digest = hashlib.sha256()
    with open(made, "rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(block)
    with open(made, "rb") as f:
        name = reading.redacted_file.storage.save(
            reading_upload_to(reading, f"redacted-{version}.png"), File(f), max_length=255
        )
    updated = Reading.objects.filter(pk=reading.pk, redaction_version=version).update(
        redacted_file=name, redacted_sha256=digest.hexdigest(), redacted_at=now
    )
    if not updated:  # the covers changed while this copy was made: a newer one follows
        reading.redacted_file.storage.delete(name)
        return False
    reading.redacted_file.name, reading.redacted_sha256, reading.redacted_at = name, digest.hexdigest(), now
    return True


def reading_redact(*, reading_id: int, version: int, now: datetime | None = None) -> bool:
    """Make the covered copy for `version`; does nothing for a version already outdated."""
    now = now or timezone.now()
    reading = (
        Reading.objects.select_related("evidence").filter(pk=reading_id, redaction_version=version).first()
    )
    if reading is None or not reading.needs_redaction:
        return False
    evidence = reading.evidence
    with tempfile.TemporaryDirectory(prefix="redact-") as work:
        source = os.path.join(work, "source" + evidence.extension)
        with evidence.file.open("rb") as src, open(source, "wb") as dst:
            for block in iter(lambda: src.read(1024 * 1024), b""):
                dst.write(block)
        return _write_redacted(reading, source, work, version=version, now=now)


def can_review_covers(user: Any, evidence: Evidence) -> bool:
    complaint = evidence.complaint
    return permissions.can_manage_evidence(user, complaint) or permissions.can_work_on_case(user, complaint)


def reading_set_covers(
    *,
    reading: Reading,
    actor: Any,
    covered_ids: set[str],
    added: list[list[int]] | None = None,
    now: datetime | None = None,
) -> Reading:
    """Cover exactly the items in `covered_ids` (and any rectangles `added`, drawn by hand);
    the old covered copy is deleted at once and a new one made by the worker."""
    now = now or timezone.now()
    if not can_review_covers(actor, reading.evidence):
        raise ComplaintError(_("You cannot change what is covered in this file."))
    with transaction.atomic():
        locked = Reading.objects.select_for_update().get(pk=reading.pk)
        who = "filer" if permissions.can_manage_evidence(actor, reading.evidence.complaint) else "advocate"
        covers = []
        for item in locked.covers:
            wanted = item["id"] in covered_ids
            if wanted != bool(item.get("covered")):
                item = {**item, "covered": wanted, "by": who, "at": now.isoformat()}
            covers.append(item)
        for index, box in enumerate(added or [], start=len(covers)):
            x0, y0, x1, y1 = (int(v) for v in box)
            x0, x1 = sorted((max(0, x0), min(locked.width, x1)))
            y0, y1 = sorted((max(0, y0), min(locked.height, y1)))
            if x1 - x0 < 2 or y1 - y0 < 2:
                continue
            covers.append(
                {
                    "id": f"m{index}",
                    "kind": "drawn",
                    "label": "",
                    "reason": "drawn",
                    "boxes": [[x0, y0, x1, y1]],
                    "covered": True,
                    "by": who,
                    "at": now.isoformat(),
                }
            )
        old = locked.redacted_file.name
        locked.covers = covers
        locked.redaction_version += 1
        locked.redacted_file = ""
        locked.redacted_sha256 = ""
        locked.redacted_at = None
        locked.save(
            update_fields=["covers", "redaction_version", "redacted_file", "redacted_sha256", "redacted_at"]
        )
        storage = locked.redacted_file.storage
        if old:
            transaction.on_commit(lambda: storage.delete(old), robust=True)
        if locked.needs_redaction:
            version = locked.redaction_version
            transaction.on_commit(lambda: _enqueue_redaction(locked.pk, version), robust=True)
    return locked


def _enqueue_redaction(reading_id: int, version: int) -> None:
    from .tasks import redact_reading

    redact_reading.delay(reading_id, version)


# The borrower's decisions ------------------------------------------------------------


def proposal_day(proposal: Proposal, shot_day: date) -> date:
    if proposal.printed_day:
        return proposal.printed_day
    return screens.day_of(shot_day, proposal.days_before, None)


def proposal_incident_data(proposal: Proposal, *, day: date) -> dict[str, Any]:
    """What accepting `proposal` as it is records, the screenshot's day given."""
    at = proposal.at or time(12, 0)
    occurred = timezone.make_aware(datetime.combine(proposal_day(proposal, day), at))
    if proposal.call_times:
        description = _("%(n)d calls: %(times)s") % {
            "n": len(proposal.call_times),
            "times": ", ".join(proposal.call_times),
        }
    else:
        description = f"「{proposal.quote}」" if proposal.quote else ""
    return {
        "occurred_at": occurred,
        "channel": proposal.channel,
        "kind": proposal.kind,
        "collector_id": proposal.collector_id,
        "contacted": proposal.contacted,
        "third_party_number": proposal.third_party_numbers[0] if proposal.third_party_numbers else "",
        "description": description,
        "series_count": len(proposal.call_times) or None,
    }


def _check_open(proposal: Proposal, actor: Any) -> None:
    if not permissions.can_manage_evidence(actor, proposal.complaint):
        raise ComplaintError(
            _("Only the person who filed the complaint can confirm what a screenshot shows.")
        )
    if proposal.state != Proposal.State.PROPOSED:
        raise ComplaintError(_("This proposal was already accepted or dismissed."))


def proposal_accept(
    *, proposal: Proposal, actor: Any, data: dict[str, Any], now: datetime | None = None
) -> Any:
    """Record the incident (`data`: the proposal's, or as the borrower edited it), link it
    to the screenshot, and mark the proposal accepted, all or nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update().select_related("complaint", "evidence").get(pk=proposal.pk)
        )
        _check_open(proposal, actor)
        incident = incident_add(complaint=proposal.complaint, actor=actor, data=data, now=now)
        proposal.state = Proposal.State.ACCEPTED
        proposal.incident = incident
        proposal.decided_by = actor
        proposal.decided_at = now
        proposal.save(update_fields=["state", "incident", "decided_by", "decided_at"])
        Evidence.objects.filter(pk=proposal.evidence_id, incident__isnull=True).update(incident=incident)
    return incident


def proposal_dismiss(*, proposal: Proposal, actor: Any, now: datetime | None = None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().select_related("complaint").get(pk=proposal.pk)
        _check_open(proposal, actor)
        proposal.state = Proposal.State.DISMISSED
        proposal.decided_by = actor
        proposal.decided_at = now
        proposal.save(update_fields=["state", "decided_by", "decided_at"])


# Search ------------------------------------------------------------------------------


def complaints_with_text(phrase: str, *, limit: int) -> QuerySet[Any] | None:
    """Ids of complaints whose screenshots hold `phrase` (spaces and case aside), at most
    `limit` + 1 of them, as a query to put inside another (the queue's search: one round
    trip fewer); None when the phrase is too short to look up by its pairs."""
    folded = search_text(phrase)
    pairs = sorted({folded[i : i + 2] for i in range(len(folded) - 1)})
    if not pairs:
        return None
    # A few pairs spread over the phrase narrow it enough; the text check does the rest.
    step = max(1, len(pairs) // 6)
    chosen = pairs[::step][:6]
    candidates = (
        ReadingGram.objects.filter(gram__in=chosen)
        .values("complaint_id")
        .annotate(n=Count("gram", distinct=True))
        .filter(n=len(chosen))
        .values_list("complaint_id", flat=True)[: limit * 4 + 1]
    )
    return (
        Reading.objects.filter(evidence__complaint_id__in=candidates, search_text__contains=folded)
        .values_list("evidence__complaint_id", flat=True)
        .distinct()[: limit + 1]
    )
