"""Sending the letter from the app, by email, to a body that takes complaints by email.

The borrower sees the exact email first (letter_email_preview) and confirms it;
`letter_email_request` then records the escalation as drafted, with its reply token and
Message-ID, keeps the confirmed text (LetterEmail) and queues the task. The task
(`letter_email_deliver`) makes the PDF if it is not ready, sends, and only then records
the escalation as sent: its clock starts when the mail has actually left.

Never twice: the task claims the LetterEmail with a conditional UPDATE (queued →
sending) and sends only if it won the claim; a second run, a redelivered message or a
double POST finds nothing to claim. If a worker dies between the SMTP conversation and
the record, the row stays "sending": it is not sent again on its own (it may have left);
after STALE_CLAIM the page says so and the borrower may try again or record it.

Where a body takes no email, the guide (guide_contacts) says where to go instead.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from complaints import permissions
from complaints.models import Complaint, Institution
from complaints.services import ComplaintError, timeline_log
from evidence import package, share
from lib.phones import mask_phone
from regulators.routing import supervised_institution

from . import letters, pdfs
from . import services as escalation_services
from .letters import MAX_LETTER_CHARS, LetterTarget
from .models import (
    AWAITING_STATUSES,
    Escalation,
    EscalationChannel,
    EscalationStatus,
    LetterEmail,
    LetterPdf,
)
from .timeline_text import target_params

logger = logging.getLogger(__name__)

# Tries before the page says it failed; the task waits longer between each.
MAX_SEND_ATTEMPTS = 5
# A claim older than this died with its worker: the mail may or may not have left.
STALE_CLAIM = timedelta(minutes=15)
PHONE_LINE = "联系电话："
PHONE_WITHHELD = "联系电话：（投诉人未在本邮件中提供，请直接回复本邮件联系投诉人）"
WITHHELD = "（未提供）"
PLACEHOLDER_MARK = "【请填写"


class LetterEmailRetry(Exception):
    """This attempt failed and another may succeed (the task retries with a back-off)."""


# --- Where it can go --------------------------------------------------------------------


@dataclass(frozen=True)
class EmailRoute:
    address: str  # "" when the target takes no email from us
    holder: str  # whose address it is (a brand's goes to its lender of record)
    problem: str = ""  # why there is no address


def email_route(complaint: Complaint, target: LetterTarget) -> EmailRoute:
    """The address a letter to `target` goes to, if any.

    A regulator: its directory email. An institution: its complaint email. A brand: the
    complaint email of its lender of record when that is known (named by the borrower,
    or the brand's only funder), since the brand itself is not a company that answers.
    An address that bounced is not used until an admin corrects it.
    """
    if target.regulator is not None:
        regulator = target.regulator
        if not (regulator.email and regulator.active):
            return EmailRoute("", regulator.name_zh, _("We know no email address for this body."))
        if regulator.email_failing_since is not None:
            return EmailRoute(
                "",
                regulator.name_zh,
                _("Mail to this body's address came back undelivered; an admin will check it."),
            )
        return EmailRoute(regulator.email, regulator.name_zh)
    institution: Institution | None = target.institution
    if institution is None:
        institution, _guess = supervised_institution(complaint)
        if institution is None:
            return EmailRoute(
                "",
                target.name,
                _("We do not know the lender in your loan contract, so we cannot email it for you."),
            )
    if not institution.complaint_email:
        return EmailRoute("", institution.name, _("We know no complaint email address for this company."))
    if institution.complaint_email_failing_since is not None:
        return EmailRoute(
            "",
            institution.name,
            _("Mail to this company's complaint address came back undelivered; an admin will check it."),
        )
    return EmailRoute(institution.complaint_email, institution.name)


def takes_email(complaint: Complaint, target: LetterTarget) -> bool:
    return bool(email_route(complaint, target).address)


# --- The email --------------------------------------------------------------------------


def outgoing_text(*, complaint: Complaint, text: str, include_phone: bool, include_email: bool) -> str:
    """The letter with only the contact details the borrower agreed to send.

    The generated letter has a 联系电话 line; without consent it says to reply by email
    instead (the reply comes back into the case), and the number is taken out wherever
    else it appears, as is the account's email address.
    """
    filer = complaint.filer
    phone = filer.phone or ""
    address = (filer.email or "").strip()
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(PHONE_LINE):
            if not include_phone or not phone:
                lines[i] = PHONE_WITHHELD
            elif letters.PHONE_PLACEHOLDER in line:
                lines[i] = PHONE_LINE + phone
            if include_email and address:
                lines.insert(i + 1, f"电子邮箱：{address}")
            break
    else:
        if include_email and address:
            lines.insert(min(len(lines), 4), f"电子邮箱：{address}")
    out = "\n".join(lines) + ("\n" if text.endswith("\n") else "")
    if phone and not include_phone:
        out = out.replace(phone, WITHHELD).replace(mask_phone(phone), WITHHELD)
    if address and not include_email:
        out = out.replace(address, WITHHELD)
    return out


def subject_for(complaint: Complaint, text: str) -> str:
    title = next((line.strip() for line in text.splitlines() if line.strip()), "投诉")
    # One line, whatever the borrower typed first.
    return " ".join(f"{title}（投诉编号：{complaint.reference}）".split())[:200]


def letter_digest(text: str, address: str, evidence: list[dict[str, str]]) -> str:
    """What the confirmation page showed: the send is refused if the letter, the address
    or the evidence that goes with it changed since. The evidence counts because the
    borrower agrees to hand exactly those files to a third party (PIPL Art 23); a file
    added in another tab between looking and confirming would go unseen."""
    digest = hashlib.sha256(f"{address}\0{text}".encode())
    for row in evidence:
        digest.update(f"\0{row['sha256']}\0{row['name']}".encode())
    return digest.hexdigest()


def pdf_filename(complaint: Complaint, target_key: str) -> str:
    return f"complaint-{complaint.reference}-{target_key}.pdf"


def package_filename(complaint: Complaint) -> str:
    return f"evidence-{complaint.reference}.zip"


@dataclass
class Preview:
    """The email as it will go, for the confirmation page."""

    route: EmailRoute
    subject: str = ""
    text: str = ""
    digest: str = ""
    evidence: list[dict[str, str]] = field(default_factory=list)
    pdf_name: str = ""
    package_name: str = ""
    problem: str = ""  # why it cannot be sent (no address, a placeholder, too long)


def _letter_problem(text: str) -> str:
    if PLACEHOLDER_MARK in text:
        return _(
            "The letter still has a blank to fill in (【请填写…】), such as your real name. Edit the letter first."
        )
    if len(text) > MAX_LETTER_CHARS:
        return pdfs.letter_too_long(text)
    return ""


def evidence_rows(complaint: Complaint, upto: datetime) -> list[dict[str, str]]:
    return [
        {"name": e.original_name, "kind": letters.EVIDENCE_KIND_ZH.get(e.kind, ""), "sha256": e.sha256}
        for e in share.shared_evidence(complaint, upto)
    ]


def letter_email_preview(
    *,
    complaint: Complaint,
    target: LetterTarget,
    viewer: Any,
    include_phone: bool,
    include_email: bool,
    now: datetime,
) -> Preview:
    route = email_route(complaint, target)
    if not route.address:
        return Preview(route=route, problem=route.problem)
    base = letters.letter_for(complaint=complaint, target=target, viewer=viewer, now=now).text
    text = outgoing_text(
        complaint=complaint, text=base, include_phone=include_phone, include_email=include_email
    )
    evidence = evidence_rows(complaint, now)
    return Preview(
        route=route,
        subject=subject_for(complaint, text),
        text=text,
        digest=letter_digest(base, route.address, evidence),
        evidence=evidence,
        pdf_name=pdf_filename(complaint, target.key),
        package_name=package_filename(complaint) if evidence else "",
        problem=_letter_problem(text),
    )


def new_reply_token() -> str:
    """160 random bits in lowercase hex: some mail servers lower-case the local part of
    an address, which would break a mixed-case token_urlsafe on its way back."""
    return secrets.token_hex(20)


def reply_address(token: str) -> str:
    return f"reply+{token}@{settings.REPLY_DOMAIN}"


# --- Confirming -------------------------------------------------------------------------


def _enqueue(letter_email_id: int) -> None:
    from .tasks import send_letter_email

    send_letter_email.delay(letter_email_id)


def _target_filter(target: LetterTarget) -> dict[str, Any]:
    if target.regulator is not None:
        return {"regulator": target.regulator}
    if target.institution is not None:
        return {"institution": target.institution}
    return {"lender": target.lender, "regulator__isnull": True, "institution__isnull": True}


@transaction.atomic
def letter_email_request(
    *,
    complaint: Complaint,
    target: LetterTarget,
    actor: Any,
    include_phone: bool,
    include_email: bool,
    shown_digest: str,
    now: datetime,
) -> LetterEmail:
    """The borrower confirmed the email: record the escalation (drafted, with its reply
    token and Message-ID), keep the confirmed text and queue the sending after commit.

    Preconditions: the actor is the filer (permissions.can_send_from_app), the target
    takes email, the letter is what the confirmation page showed (`shown_digest`, when
    given) and
    nothing is already waiting for an answer from, or being sent to, that target.
    """
    complaint = Complaint.objects.select_for_update().select_related("filer").get(pk=complaint.pk)
    if not permissions.can_send_from_app(actor, complaint):
        raise ComplaintError(_("Only the person who filed the complaint can send it from the app."))
    route = email_route(complaint, target)
    if not route.address:
        raise ComplaintError(route.problem)
    same_target = Escalation.objects.filter(complaint=complaint, **_target_filter(target))
    if same_target.filter(status__in=AWAITING_STATUSES).exists():
        raise ComplaintError(
            _(
                "This complaint already waits for an answer from there. Record the answer, or close that escalation first."
            )
        )
    if LetterEmail.objects.filter(
        escalation__in=same_target.filter(status=EscalationStatus.DRAFTED),
        state__in=[LetterEmail.State.QUEUED, LetterEmail.State.SENDING],
    ).exists():
        raise ComplaintError(_("This letter is already being sent."))
    # A brand's letter and its lender of record's go to one address: once is enough.
    if LetterEmail.objects.filter(
        escalation__complaint=complaint,
        to_address__iexact=route.address,
        escalation__status__in=[*AWAITING_STATUSES, EscalationStatus.DRAFTED],
        state__in=[LetterEmail.State.QUEUED, LetterEmail.State.SENDING, LetterEmail.State.SENT],
    ).exists():
        raise ComplaintError(_("Your complaint was already sent to this address."))
    base = letters.letter_for(complaint=complaint, target=target, viewer=actor, now=now).text
    # The page always posts what it showed; a client that posts nothing about it (a
    # script) confirms the letter as it is now.
    if shown_digest and shown_digest != letter_digest(base, route.address, evidence_rows(complaint, now)):
        raise ComplaintError(
            _(
                "The letter, the address or the evidence changed since this page was shown. "
                "Check the email again below."
            )
        )
    text = outgoing_text(
        complaint=complaint, text=base, include_phone=include_phone, include_email=include_email
    )
    problem = _letter_problem(text)
    if problem:
        raise ComplaintError(problem)
    escalation = escalation_services.escalation_record(
        complaint=complaint,
        actor=actor,
        lender=target.lender,
        regulator=target.regulator,
        institution=target.institution,
        channel=EscalationChannel.EMAIL,
        sent_at=None,
        now=now,
    )
    escalation.reply_token = new_reply_token()
    escalation.message_id = make_msgid(idstring=f"escalation{escalation.pk}", domain=settings.REPLY_DOMAIN)
    escalation.save(update_fields=["reply_token", "message_id", "updated"])
    email = LetterEmail.objects.create(
        escalation=escalation,
        to_address=route.address,
        subject=subject_for(complaint, text),
        text=text,
        include_phone=include_phone,
        include_email=include_email,
        requested_by=actor,
        created=now,
    )
    transaction.on_commit(lambda: _enqueue(email.pk), robust=True)
    return email


@transaction.atomic
def letter_email_retry(*, escalation: Escalation, actor: Any, now: datetime) -> LetterEmail:
    """Queue a failed sending again (or one whose worker died: it may have left; the
    borrower was told and chose to try again)."""
    complaint = Complaint.objects.select_for_update().get(pk=escalation.complaint_id)
    if not permissions.can_send_from_app(actor, complaint):
        raise ComplaintError(_("Only the person who filed the complaint can send it from the app."))
    email = LetterEmail.objects.select_for_update().select_related("escalation").get(escalation=escalation)
    if email.escalation.status != EscalationStatus.DRAFTED:
        raise ComplaintError(_("This escalation was already sent."))
    if not (email.state == LetterEmail.State.FAILED or is_stale(email, now)):
        raise ComplaintError(_("This letter is already being sent."))
    route = email_route(complaint, letters.LetterTarget(**_target_of(email.escalation)))
    if not route.address:
        raise ComplaintError(route.problem)
    LetterEmail.objects.filter(pk=email.pk).update(
        state=LetterEmail.State.QUEUED, attempts=0, error="", claimed_at=None, to_address=route.address
    )
    transaction.on_commit(lambda: _enqueue(email.pk), robust=True)
    email.refresh_from_db()
    return email


# A confirmed letter still queued this long lost its message (the broker was down when it
# was confirmed, robust on_commit only logged that): the sweep queues it again. Longer
# than the task's longest back-off, so a retry that is merely waiting is rarely doubled,
# and a doubled one is harmless: only the run that claims the row sends.
REQUEUE_AFTER = timedelta(minutes=20)


def letter_emails_requeue(*, now: datetime) -> int:
    """Queue again the confirmed letters whose task message was lost; returns how many."""
    ids = list(
        LetterEmail.objects.filter(
            state=LetterEmail.State.QUEUED,
            created__lt=now - REQUEUE_AFTER,
            escalation__status=EscalationStatus.DRAFTED,
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        transaction.on_commit(lambda pk=pk: _enqueue(pk), robust=True)
    return len(ids)


def is_stale(email: LetterEmail, now: datetime) -> bool:
    return (
        email.state == LetterEmail.State.SENDING
        and email.claimed_at is not None
        and email.claimed_at < now - STALE_CLAIM
    )


# --- Sending (the task) -----------------------------------------------------------------


def _target_of(escalation: Escalation) -> dict[str, Any]:
    return {
        "lender": escalation.lender if escalation.lender_id else None,
        "institution": escalation.institution if escalation.institution_id else None,
        "regulator": escalation.regulator if escalation.regulator_id else None,
    }


def _letter_pdf(email: LetterEmail, complaint: Complaint, target: LetterTarget, now: datetime) -> bytes:
    """The PDF of the confirmed text, rendered here if no worker has yet."""
    pdf = pdfs.letter_pdf_request(complaint=complaint, target=target, text=email.text, now=now)
    pdf.refresh_from_db()
    if pdf.state == LetterPdf.State.PENDING:
        try:
            pdfs.letter_pdf_render(letter_pdf_id=pdf.pk, now=now)
        except pdfs.LetterPdfRetry as e:
            raise LetterEmailRetry(f"PDF: {e}") from e
        pdf.refresh_from_db()
    if pdf.state != LetterPdf.State.READY:
        raise LetterEmailRetry(f"PDF: {pdf.error or pdf.state}")
    stored = pdfs.letter_pdf_open(pdf)
    if stored is None:
        raise LetterEmailRetry("PDF: missing from storage")
    with stored:
        return stored.read()


def _package(
    complaint: Complaint, upto: datetime, now: datetime
) -> tuple[bytes | None, share.ShareLink | None]:
    """The package for sharing attached when it is small, else a link that expires."""
    items = share.shared_evidence(complaint, upto)
    if not items:
        return None, None
    limit = settings.ESCALATION_ATTACH_PACKAGE_MAX_BYTES
    data = bytearray()
    stream = package.stream_package(complaint, items, package.SHARING)
    for chunk in stream:
        data += chunk
        if len(data) > limit:
            stream.close()
            return None, share.share_link_make(complaint=complaint, now=now)
    return bytes(data), None


def build_message(email: LetterEmail, now: datetime) -> tuple[EmailMessage, share.ShareLink | None]:
    escalation = email.escalation
    complaint = escalation.complaint
    target = LetterTarget(**_target_of(escalation))
    pdf = _letter_pdf(email, complaint, target, now)
    attached, link = _package(complaint, email.created, now)
    with translation.override("zh-hans"):
        body = render_to_string(
            "emails/letter_email.txt",
            {
                "target_name": target.name,
                "letter": email.text.strip(),
                "evidence": evidence_rows(complaint, email.created),
                "pdf_name": pdf_filename(complaint, target.key),
                "package_name": package_filename(complaint) if attached else "",
                "link": link,
            },
        )
    reply_to = reply_address(escalation.reply_token)
    message = EmailMessage(
        subject=email.subject,
        body=body,
        # The envelope sender (Return-Path) is the letter's reply address, while the From
        # header stays the platform's: a bounce goes to the envelope sender, so it reaches
        # receive_mail through the same alias as the replies, and names its letter even
        # when the report returns none of the letter's headers.
        from_email=reply_to,
        to=[email.to_address],
        reply_to=[reply_to],
        headers={"From": settings.DEFAULT_FROM_EMAIL, "Message-ID": escalation.message_id},
    )
    message.attach(pdf_filename(complaint, target.key), pdf, "application/pdf")
    if attached is not None:
        message.attach(package_filename(complaint), attached, "application/zip")
    return message, link


def _give_back(email: LetterEmail, error: str, *, final: bool, now: datetime) -> None:
    """The attempt failed: queue it for the next try, or mark it failed for good."""
    LetterEmail.objects.filter(pk=email.pk, state=LetterEmail.State.SENDING).update(
        state=LetterEmail.State.FAILED if final else LetterEmail.State.QUEUED,
        error=error[:300],
        claimed_at=None,
    )
    if final:
        timeline_log(
            email.escalation.complaint,
            kind=escalation_services.ESCALATION_EVENT,
            actor=None,
            now=now,
            code="esc_email_failed",
            params={**target_params(email.escalation), "error": error[:200]},
        )


def letter_email_deliver(*, letter_email_id: int, now: datetime) -> bool:
    """Send one confirmed letter, once. True when this run sent it.

    Raises LetterEmailRetry when the attempt failed and another is due.
    """
    claimed = LetterEmail.objects.filter(pk=letter_email_id, state=LetterEmail.State.QUEUED).update(
        state=LetterEmail.State.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return False  # sent, being sent, failed for good, or gone
    email = LetterEmail.objects.select_related(
        "escalation__complaint__filer",
        "escalation__lender",
        "escalation__institution",
        "escalation__regulator",
        "requested_by",
    ).get(pk=letter_email_id)
    escalation = email.escalation
    if escalation.status != EscalationStatus.DRAFTED:
        # Recorded as sent another way, or closed, while it waited: it must not go now.
        _give_back(email, "cancelled: the escalation was recorded or closed meanwhile", final=True, now=now)
        return False
    final = email.attempts >= MAX_SEND_ATTEMPTS
    try:
        message, link = build_message(email, now)
    except Exception as e:  # the PDF or the package could not be made: try again later
        logger.warning("letter email %s could not be built: %s", email.pk, e)
        _give_back(email, f"{type(e).__name__}: {e}", final=final, now=now)
        if final:
            return False
        raise LetterEmailRetry(str(e)) from e
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as e:
        # The server refused the address itself: trying again would be refused again.
        _give_back(email, f"refused: {e}", final=True, now=now)
        return False
    except (smtplib.SMTPException, OSError) as e:
        logger.warning("letter email %s attempt %s failed: %s", email.pk, email.attempts, e)
        _give_back(email, f"{type(e).__name__}: {e}", final=final, now=now)
        if final:
            return False
        raise LetterEmailRetry(str(e)) from e
    with transaction.atomic():
        LetterEmail.objects.filter(pk=email.pk, state=LetterEmail.State.SENDING).update(
            state=LetterEmail.State.SENT,
            sent_at=now,
            error="",
            attachments=[name for name, _content, _type in message.attachments],
            package_link_expires_at=link.expires_at if link else None,
        )
        escalation_services.escalation_email_sent(escalation=escalation, actor=email.requested_by, now=now)
        if link is None and len(message.attachments) > 1:
            package.package_opened(
                complaint=escalation.complaint, actor=None, kind=f"{package.SHARING} (attached to email)"
            )
    return True


# --- Guided sending, where the app cannot email ----------------------------------------


@dataclass(frozen=True)
class Way:
    """One way to hand the letter in: a number to call, a path in the app, a web form."""

    label: str
    value: str
    href: str = ""
    channel: str = ""  # the EscalationChannel to record when it was sent this way


def _tel(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit())
    return f"tel:{'+' if number.strip().startswith('+') else ''}{digits}" if digits else ""


def _web(url: str) -> str:
    return url if url.startswith(("https://", "http://")) else ""


def guide_ways(complaint: Complaint, target: LetterTarget) -> list[Way]:
    """Where to go for `target`, most direct first, from the directory (never made up)."""
    C = EscalationChannel
    rows: list[tuple[str, str, str, str]] = []
    if target.regulator is not None:
        r = target.regulator
        rows += [
            (_("Online complaint form"), r.website, _web(r.website), C.ONLINE),
            (_("Hotline"), r.hotline, _tel(r.hotline), C.HOTLINE),
            (_("Email"), r.email, f"mailto:{r.email}" if r.email else "", C.EMAIL),
            (_("By post"), r.postal_address, "", C.POST),
            (_("In person"), r.in_person, "", C.IN_PERSON),
        ]
    else:
        institution = target.institution
        if institution is None:
            institution, _guess = supervised_institution(complaint)
        brand = target.lender if target.institution is None else None
        if institution is not None:
            rows += [
                (_("In the app"), institution.app_complaint_path, "", C.APP),
                (_("Customer-service hotline"), institution.hotline, _tel(institution.hotline), C.HOTLINE),
                (_("Website"), institution.website, _web(institution.website), C.ONLINE),
                (_("By post"), institution.postal_address, "", C.POST),
            ]
        if brand is not None:
            rows += [
                (_("Customer-service phone"), brand.service_phone, _tel(brand.service_phone), C.HOTLINE),
                (_("Customer-service website"), brand.service_url, _web(brand.service_url), C.ONLINE),
                (
                    _("Customer-service email"),
                    brand.service_email,
                    f"mailto:{brand.service_email}" if brand.service_email else "",
                    C.EMAIL,
                ),
            ]
    seen: set[str] = set()
    ways = []
    for label, value, href, channel in rows:
        value = (value or "").strip()
        if value and value not in seen:
            seen.add(value)
            ways.append(Way(str(label), value, href, channel))
    return ways
