"""Letter PDFs: rendered by a worker, once per version of the letter, then served as files.

WeasyPrint needs seconds for a long letter (a 160,000-character letter took 11 s), far
too long to hold a web worker. So the view only asks: `letter_pdf_request` finds the
row for this exact text, or creates it and queues `escalations.tasks.render_letter_pdf`;
the page refreshes itself until the file is there. A version is the digest of the text,
the title and the PDF template with its stylesheet, so the same letter is rendered once
and any change (an edit, a new incident, a masked number for a caseworker, a new
template) is a new version. Letters longer than MAX_LETTER_CHARS get no PDF at all: the
print page and the plain text serve them, and the borrower is told to shorten the letter.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from functools import cache
from importlib.metadata import version
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import get_template
from django.utils.translation import gettext as _

from complaints.models import Complaint
from complaints.services import ComplaintError

from . import letters
from .letters import MAX_LETTER_CHARS, LetterTarget
from .models import LetterPdf

logger = logging.getLogger(__name__)

# Renders tried before the page says it failed; the task retries with a back-off between.
MAX_ATTEMPTS = 3
# A row still pending this long after its message was sent lost it (broker down when it
# was sent, worker killed): the next request sends another. Longer than a render takes.
RESEND_AFTER = timedelta(minutes=2)
# Versions kept per letter: the borrower's and a caseworker's (masked) of today and the
# day before; older ones are made again if anyone asks.
KEEP_VERSIONS = 4


class LetterPdfRetry(Exception):
    """A render failed and may succeed if tried again (the task retries it)."""


def letter_pdf_title(complaint: Complaint) -> str:
    return f"投诉信 {complaint.reference}"


@cache
def _format_version() -> str:
    """What else shapes the file: the template, the stylesheet and WeasyPrint's version."""
    css = finders.find("css/letter.css")
    parts = [
        get_template("escalations/letter_pdf.html").template.source,
        Path(css).read_text(encoding="utf-8") if css else "",
        version("weasyprint"),
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def letter_pdf_digest(*, complaint: Complaint, text: str) -> str:
    payload = "\0".join((_format_version(), letter_pdf_title(complaint), text))
    return hashlib.sha256(payload.encode()).hexdigest()


def letter_too_long(text: str) -> str:
    """Why `text` gets no PDF, or "" if it may have one."""
    if len(text) <= MAX_LETTER_CHARS:
        return ""
    return _(
        "This letter has %(length)d characters, too long for a PDF (the most is %(most)d). "
        "Shorten it on the edit page, or use the print page (your browser can save it as a "
        "PDF) or the plain text."
    ) % {"length": len(text), "most": MAX_LETTER_CHARS}


def _enqueue(letter_pdf_id: int) -> None:
    from .tasks import render_letter_pdf

    render_letter_pdf.delay(letter_pdf_id)


def letter_pdf_request(*, complaint: Complaint, target: LetterTarget, text: str, now: datetime) -> LetterPdf:
    """The PDF row of this exact letter; queues its render when there is none yet.

    Never renders here, so it returns at once whatever the letter. Queued once per
    version: a refresh finds the row and sends nothing, unless the message was lost
    (RESEND_AFTER), and then only the request that claims the row sends another.
    Raises ComplaintError when the letter is too long for a PDF. The caller has
    checked that the viewer may see this letter; `text` is the one they see.
    """
    reason = letter_too_long(text)
    if reason:
        raise ComplaintError(reason)
    digest = letter_pdf_digest(complaint=complaint, text=text)
    pdf, created = LetterPdf.objects.get_or_create(
        complaint=complaint,
        target_key=target.key,
        digest=digest,
        defaults={"text": text, "created": now, "enqueued_at": now},
    )
    if created:
        transaction.on_commit(lambda: _enqueue(pdf.pk), robust=True)
    elif pdf.state == LetterPdf.State.PENDING and (
        pdf.enqueued_at is None or pdf.enqueued_at < now - RESEND_AFTER
    ):
        claimed = LetterPdf.objects.filter(
            pk=pdf.pk, state=LetterPdf.State.PENDING, enqueued_at=pdf.enqueued_at
        ).update(enqueued_at=now)
        if claimed:
            transaction.on_commit(lambda: _enqueue(pdf.pk), robust=True)
    return pdf


def letter_pdf_render(*, letter_pdf_id: int, now: datetime) -> LetterPdf | None:
    """Render one pending PDF and store it. Running it twice renders once.

    Raises LetterPdfRetry when a render failed and another attempt is due; after
    MAX_ATTEMPTS (or a render that ran out of time, which would again) the row is marked
    failed and the page says so.
    """
    pdf = (
        LetterPdf.objects.filter(pk=letter_pdf_id, state=LetterPdf.State.PENDING)
        .select_related("complaint")
        .first()
    )
    if pdf is None:
        return None  # rendered already, given up, or deleted since (an edit, the account)
    if pdf.attempts >= MAX_ATTEMPTS:
        # Earlier attempts died without a word (a worker killed at the hard time limit).
        LetterPdf.objects.filter(pk=pdf.pk, state=LetterPdf.State.PENDING).update(
            state=LetterPdf.State.FAILED, error=pdf.error or "gave up"
        )
        return pdf
    pdf.attempts += 1
    # Counted before the render: a render that kills its worker still counts.
    LetterPdf.objects.filter(pk=pdf.pk).update(attempts=pdf.attempts)
    try:
        data = letters.letter_pdf(text=pdf.text, title=letter_pdf_title(pdf.complaint))
    except Exception as e:  # any failure of the renderer is reported on the page
        error = f"{type(e).__name__}: {e}"[:300]
        if pdf.attempts >= MAX_ATTEMPTS or isinstance(e, SoftTimeLimitExceeded):
            logger.warning("letter pdf %s failed for good: %s", pdf.pk, error)
            LetterPdf.objects.filter(pk=pdf.pk, state=LetterPdf.State.PENDING).update(
                state=LetterPdf.State.FAILED, error=error
            )
            return pdf
        LetterPdf.objects.filter(pk=pdf.pk).update(error=error)
        raise LetterPdfRetry(error) from e
    pdf.file.save("letter.pdf", ContentFile(data), save=False)
    with transaction.atomic():
        done = LetterPdf.objects.filter(pk=pdf.pk, state=LetterPdf.State.PENDING).update(
            state=LetterPdf.State.READY, file=pdf.file.name, text="", error="", rendered_at=now
        )
        if not done:
            # Another run stored it first, or the row went meanwhile: this copy is nobody's.
            pdf.file.storage.delete(pdf.file.name)
            return None
        _prune(complaint_id=pdf.complaint_id, target_key=pdf.target_key)
    return pdf


def _prune(*, complaint_id: int, target_key: str) -> None:
    old = LetterPdf.objects.filter(complaint_id=complaint_id, target_key=target_key).order_by(
        "-created", "-pk"
    )
    letters.letter_pdfs_delete(
        LetterPdf.objects.filter(pk__in=list(old.values_list("pk", flat=True)[KEEP_VERSIONS:]))
    )


def letter_pdf_open(pdf: LetterPdf) -> object | None:
    """The stored file, open for reading, or None when it went missing from storage."""
    try:
        return pdf.file.open("rb")
    except OSError:
        # Lost from storage: drop the row, and the next request renders the letter again.
        letters.letter_pdfs_delete(LetterPdf.objects.filter(pk=pdf.pk))
        return None
