"""Replies come back into the case (issue 16): one inbound email, stored and sorted.

`inbound_receive` is what `manage.py receive_mail` calls with the bytes an MTA pipes to
it. Every message is stored once (its Message-ID, or its SHA-256 when it has none, is
unique), the raw bytes kept for the admin, and then sorted:

- A reply to a letter the app sent lands in that letter's case: its text becomes the
  escalation's answer, each attachment goes through the evidence rules, the escalation
  is answered, the timeline says so and REPLY_RECEIVED tells the people of the case.
- Which letter: the token of a reply address (reply+TOKEN@REPLY_DOMAIN) in any recipient
  header decides. The token is unguessable, while a Message-ID is known to everyone the
  letter went to, so a token beats In-Reply-To/References, which are used only when no
  reply address is there. A reply address whose token matches nothing (forged, or of a
  letter deleted since) sends the mail to the admins' queue even if its In-Reply-To names
  a real letter; so does mail naming letters of two cases. Nothing is ever guessed into
  a case.
- Auto-replies are kept out of the case. One that matches a letter still waiting for
  receipt marks it acknowledged (note "自动回复"): an automatic "we received your mail"
  proves the mailbox has the letter, and the deadline runs from receipt. It never
  answers the letter.
- Bounces mark the institution's complaint address as failing, and MAIL_BOUNCED tells
  the borrower to send the letter another way.
- Everything else that cannot be placed (no match, too large, unreadable) waits in the
  admin queue, and MAIL_UNMATCHED tells the admins.

The app never sends mail in answer to inbound mail: that is how mail loops start.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from complaints.hooks import Activity, CaseActivity, case_activity
from complaints.models import Complaint, Institution, TimelineEvent
from complaints.services import ComplaintError, timeline_log
from evidence.models import Evidence
from evidence.services import evidence_add_received
from evidence.validation import EvidenceRejected, safe_display_name
from lib.china import china_day
from regulators.services import regulator_email_bounced

from . import workflow as escalation_workflow
from .mailparse import MalformedMail, ParsedMail, parse_head, parse_mail
from .models import AWAITING_STATUSES, Escalation, EscalationStatus, InboundMail, LetterEmail
from .services import (
    ESCALATION_EVENT,
    compute_due_at,
    deadline_for,
    refresh_next_due,
    target_name,
)
from .timeline_text import target_params

logger = logging.getLogger(__name__)

ANSWER_MAX = Escalation._meta.get_field("answer").max_length or 5000
# What the queue keeps of a message too large to take: its header and first lines.
OVERSIZED_KEPT = 256 * 1024
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,40}")
State = InboundMail.State


@dataclass
class Received:
    inbound: InboundMail
    duplicate: bool = False


# --- Matching ------------------------------------------------------------------------


def _reply_tokens(addresses: list[str]) -> list[str]:
    """The tokens of reply+TOKEN@REPLY_DOMAIN among `addresses`, the whole address in any
    case: tokens are lowercase hex (sending.new_reply_token), and some mail servers and
    clients upper-case an address on its way back."""
    domain = settings.REPLY_DOMAIN.lower()
    tokens = []
    for address in addresses:
        local, _at, host = address.rpartition("@")
        prefix, plus, token = local.partition("+")
        if host.lower() == domain and plus and prefix.lower() == "reply":
            tokens.append(token.lower())
    return list(dict.fromkeys(tokens))


def _by_tokens(tokens: list[str]) -> tuple[Escalation | None, str]:
    valid = [t for t in tokens if _TOKEN.fullmatch(t)]
    # One query on the unique column; an unknown token simply finds nothing.
    found = list(Escalation.objects.filter(reply_token__in=valid)) if valid else []
    if len(found) < len(tokens):
        return None, "a reply address whose token matches no letter"
    if len(found) > 1:
        return None, "reply addresses of several letters"
    return found[0], "reply address"


def _by_message_ids(ids: list[str]) -> tuple[Escalation | None, str]:
    found = list(Escalation.objects.filter(message_id__in=ids).exclude(message_id="")[:2]) if ids else []
    if len(found) > 1:
        return None, "refers to letters of several cases"
    if found:
        return found[0], "In-Reply-To/References"
    return None, "no reply address and no letter of ours referred to"


def match_escalation(parsed: ParsedMail) -> tuple[Escalation | None, str]:
    """The letter this mail answers, and how it was found (or why none was)."""
    tokens = _reply_tokens(parsed.recipients)
    if tokens:
        return _by_tokens(tokens)
    return _by_message_ids(parsed.references)


def _bounced_escalation(parsed: ParsedMail) -> Escalation | None:
    """The letter a bounce returns: by the reply address or the Message-ID in the
    returned headers, else by the reply address it was sent to (the envelope sender)."""
    returned = parsed.returned
    domain = re.escape(settings.REPLY_DOMAIN)
    tokens = re.findall(r"\breply\+([A-Za-z0-9_-]{1,40})@" + domain + r"\b", returned, flags=re.IGNORECASE)
    if tokens:
        escalation, _how = _by_tokens(list(dict.fromkeys(t.lower() for t in tokens)))
        return escalation
    ids = re.findall(r"^message-id:\s*(<[^<>\s]{1,250}>)", returned, flags=re.IGNORECASE | re.MULTILINE)
    escalation, _how = _by_message_ids(list(dict.fromkeys(ids)))
    if escalation is None:
        # Letters go out with their reply address as the envelope sender, where bounces
        # are sent: a report that returns nothing of the letter still names it there.
        tokens = _reply_tokens(parsed.recipients)
        if tokens:
            escalation, _how = _by_tokens(tokens)
    return escalation


# --- Receiving -----------------------------------------------------------------------


def _read(raw: bytes, *, oversized: bool) -> tuple[ParsedMail, str, str]:
    """(what was read, the state if it is already decided, why)."""
    if oversized:
        limit_mb = settings.INBOUND_MAIL_MAX_BYTES // (1024 * 1024)
        return parse_head(raw), State.OVERSIZED, f"larger than {limit_mb} MB"
    try:
        return parse_mail(raw), "", ""
    except MalformedMail as e:
        return parse_head(raw), State.MALFORMED, str(e)[:300]


def _dedupe_key(parsed: ParsedMail, digest: str) -> str:
    return (f"mid:{parsed.message_id}" if parsed.message_id else f"sha256:{digest}")[:300]


def inbound_receive(
    *, raw: bytes, now: datetime, oversized: bool = False, envelope_recipients: tuple[str, ...] = ()
) -> Received:
    """Store one inbound message and sort it (see the module's docstring).

    `raw`: the bytes read (for an oversized message, as much as was read before giving
    up); `envelope_recipients`: the addresses the MTA delivered it to, when it says.
    The message is stored first, in its own transaction, so that whatever fails later
    it is in the admin queue, and a second delivery of it is a duplicate.
    """
    digest = hashlib.sha256(raw).hexdigest()
    parsed, state, reason = _read(raw, oversized=oversized)
    parsed.recipients += [a.strip() for a in envelope_recipients if "@" in a]
    key = _dedupe_key(parsed, digest)
    existing = InboundMail.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return Received(existing, duplicate=True)

    escalation = None
    if not state:
        if parsed.bounce:
            state = State.BOUNCE
        elif parsed.auto_reply:
            state, reason = State.AUTO_REPLY, parsed.auto_reply
        else:
            escalation, reason = match_escalation(parsed)
            # Stored unmatched until the reply is in its case: a failure half way leaves
            # it in the queue for an admin, never lost.
            state = State.UNMATCHED
    inbound = InboundMail(
        received_at=now,
        dedupe_key=key,
        message_id=parsed.message_id[:255],
        sender=parsed.sender[:300],
        recipient=parsed.to[:300],
        subject=parsed.subject[:300],
        size=len(raw),
        sha256=digest,
        text=parsed.text,
        state=state,
        reason=reason[:300],
        notes="\n".join(dict.fromkeys(parsed.notes))[:5000],
    )
    try:
        with transaction.atomic():
            inbound.raw.save("raw.eml", ContentFile(raw[:OVERSIZED_KEPT] if oversized else raw), save=False)
            inbound.save()
    except IntegrityError:
        # The same message delivered twice at once: the other delivery stored it.
        inbound.raw.delete(save=False)
        return Received(InboundMail.objects.get(dedupe_key=key), duplicate=True)

    if state == State.BOUNCE:
        _handle_bounce(inbound, parsed, now)
    elif state == State.AUTO_REPLY:
        _handle_auto_reply(inbound, parsed, now)
    elif escalation is not None:
        try:
            deliver_reply(inbound=inbound, escalation=escalation, parsed=parsed, now=now)
        except Exception:
            # Stored, and matched, but not in its case: an admin attaches it by hand.
            logger.exception(
                "inbound mail %s matched escalation %s but was not delivered", inbound.pk, escalation.pk
            )
            InboundMail.objects.filter(pk=inbound.pk).update(
                escalation=escalation, reason="matched, but putting it into the case failed"
            )
            transaction.on_commit(lambda: _tell_admins(inbound, now), robust=True)
    if state in (State.UNMATCHED, State.OVERSIZED, State.MALFORMED) and escalation is None:
        transaction.on_commit(lambda: _tell_admins(inbound, now), robust=True)
    inbound.refresh_from_db()
    return Received(inbound)


def _tell_admins(inbound: InboundMail, now: datetime) -> None:
    case_activity(
        CaseActivity(kind=Activity.MAIL_UNMATCHED, complaint=None, actor=None, at=now, object_id=inbound.pk)
    )


def _lock(escalation: Escalation) -> tuple[Escalation, Complaint]:
    # The complaint first, as every escalation service locks.
    complaint = Complaint.objects.select_for_update().get(pk=escalation.complaint_id)
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("lender", "regulator", "institution")
        .get(pk=escalation.pk)
    )
    return escalation, complaint


def _fmt_day(moment: datetime) -> str:
    return f"{china_day(moment):%Y-%m-%d}"


# --- A reply into its case -----------------------------------------------------------


def _keep(
    complaint: Complaint, name: str, data: bytes, source: str, now: datetime
) -> tuple[Evidence | None, str]:
    """(evidence, "") or (None, why it was refused)."""
    try:
        return (
            evidence_add_received(
                complaint=complaint, upload=ContentFile(data, name=name), source=source, now=now
            ),
            "",
        )
    except EvidenceRejected as e:
        return None, str(e)


def deliver_reply(*, inbound: InboundMail, escalation: Escalation, parsed: ParsedMail, now: datetime) -> None:
    """Put a body's reply into the escalation's case.

    Attachments first, each through the evidence rules in its own transaction (decoding
    a picture takes seconds; the case is not locked meanwhile). Refused ones are kept
    out, with the reason on the mail and on the timeline. Then, in one transaction: the
    text as the escalation's answer when it still waits for one (the first reply answers
    it; its first ANSWER_MAX characters, the whole text also kept as a .txt file when
    longer), the timeline, the mail marked matched; REPLY_RECEIVED after commit.
    A reply to a letter already answered or closed adds its text as a .txt file and a
    timeline entry, and changes no status.
    """
    complaint = escalation.complaint
    source = _("mail from %(sender)s") % {"sender": parsed.sender_address or parsed.sender or "?"}
    kept: list[Evidence] = []
    refused: list[str] = []
    for attachment in parsed.attachments:
        evidence, why = _keep(complaint, attachment.name, attachment.data, source, now)
        if evidence is not None:
            kept.append(evidence)
        else:
            refused.append(f"{safe_display_name(attachment.name)}: {why}")
    text = parsed.text.strip()
    full_text = None
    if text and (len(text) > ANSWER_MAX or escalation.status not in AWAITING_STATUSES):
        name = f"reply-{_fmt_day(now)}.txt"
        full_text, why = _keep(complaint, name, text.encode("utf-8"), source, now)
        if full_text is None:
            refused.append(f"{name}: {why}")

    with transaction.atomic():
        escalation, complaint = _lock(escalation)
        target = target_name(escalation)
        if escalation.status in AWAITING_STATUSES:
            answer = text
            if len(answer) > ANSWER_MAX:
                ending = "\n…" + _("(the whole text is kept as a file in the evidence)")
                answer = answer[: ANSWER_MAX - len(ending)] + ending
            # A reply without text stays empty: the page says so in the reader's language.
            escalation.answer = answer
            escalation.answered_at = now
            escalation.answer_document = full_text or next(
                (e for e in kept if e.kind == Evidence.Kind.DOCUMENT), kept[0] if kept else None
            )
            escalation_workflow.move(
                escalation, EscalationStatus.ANSWERED, fields=["answer", "answered_at", "answer_document"]
            )
            refresh_next_due(complaint)
            answers = True
        else:
            answers = False
        params = {
            **target_params(escalation),
            "date": _fmt_day(now),
            "answers": answers,
            "kept": [e.original_name for e in kept],
            # Each refusal's reason is the evidence rules' words, in the language the mail
            # was processed in (the site's default).
            "refused": refused,
        }
        timeline_log(
            complaint,
            kind=TimelineEvent.Kind.ANSWER,
            actor=None,
            now=now,
            code="esc_mail_received",
            params=params,
        )
        notes = [inbound.notes] if inbound.notes else []
        notes += [_("Refused: %(what)s") % {"what": r} for r in refused]
        InboundMail.objects.filter(pk=inbound.pk).update(
            state=State.MATCHED,
            escalation=escalation,
            complaint=complaint,
            notes="\n".join(notes)[:5000],
        )
        transaction.on_commit(
            lambda: case_activity(
                CaseActivity(
                    kind=Activity.REPLY_RECEIVED,
                    complaint=complaint,
                    actor=None,
                    at=now,
                    object_id=inbound.pk,
                    detail=target,
                )
            ),
            robust=True,
        )


# --- Auto-replies and bounces --------------------------------------------------------


def _handle_auto_reply(inbound: InboundMail, parsed: ParsedMail, now: datetime) -> None:
    escalation, _how = match_escalation(parsed)
    if escalation is None:
        return
    with transaction.atomic():
        escalation, complaint = _lock(escalation)
        InboundMail.objects.filter(pk=inbound.pk).update(escalation=escalation, complaint=complaint)
        if escalation.status != EscalationStatus.SENT:
            return
        escalation.acknowledged_at = now
        deadline = deadline_for(
            lender=escalation.lender, regulator=escalation.regulator, institution=escalation.institution
        )
        later_due = compute_due_at(deadline, received_at=now)
        if later_due is not None and (escalation.due_at is None or later_due > escalation.due_at):
            escalation.due_at = later_due
        try:
            escalation_workflow.move(
                escalation, EscalationStatus.ACKNOWLEDGED, fields=["acknowledged_at", "due_at"]
            )
        except ComplaintError:  # the table changed under us: leave the letter as it is
            return
        timeline_log(
            complaint,
            kind=ESCALATION_EVENT,
            actor=None,
            now=now,
            code="esc_auto_acknowledged",
            params={**target_params(escalation), "date": _fmt_day(now)},
        )
        refresh_next_due(complaint)


def _bounced_regulator(escalation: Escalation, parsed: ParsedMail) -> int | None:
    """The regulator whose address bounced: the letter's, when the report names no failed
    address or names that regulator's."""
    if escalation.regulator_id is None:
        return None
    email = (escalation.regulator.email or "").lower()
    failed = {a.lower() for a in parsed.bounce_recipients}
    if email and (not failed or email in failed):
        return escalation.regulator_id
    return None


def _bounced_institution(escalation: Escalation, parsed: ParsedMail) -> Institution | None:
    """The institution whose complaint address bounced.

    A letter the app sent went to one address (LetterEmail.to_address): for a brand that
    is its lender of record's, which is neither the escalation's institution nor always
    the brand's operator, so the address decides. Otherwise (a letter recorded as sent
    by hand) the letter's institution or the brand's operator. When the report names
    the failed addresses, only an institution whose complaint address is among them.
    """
    failed = {a.lower() for a in parsed.bounce_recipients}
    sent_to = (
        LetterEmail.objects.filter(escalation=escalation).values_list("to_address", flat=True).first() or ""
    )
    if sent_to and (not failed or sent_to.lower() in failed):
        sharing = list(Institution.objects.filter(complaint_email__iexact=sent_to).order_by("pk")[:20])
        # The letter's own institution first, when several share the address.
        sharing.sort(key=lambda i: i.pk != escalation.institution_id)
        if sharing:
            return sharing[0]
    candidates = [escalation.institution] if escalation.institution_id else []
    if escalation.lender_id and escalation.lender.operator_id:
        candidates.append(escalation.lender.operator)
    candidates = [c for c in candidates if c is not None and c.complaint_email]
    if failed:
        candidates = [c for c in candidates if c.complaint_email.lower() in failed]
    return candidates[0] if candidates else None


def _handle_bounce(inbound: InboundMail, parsed: ParsedMail, now: datetime) -> None:
    escalation = _bounced_escalation(parsed)
    if escalation is None:
        InboundMail.objects.filter(pk=inbound.pk).update(reason="a bounce of no letter of ours")
        return
    # The remote server's own words; without them the timeline says it in the reader's
    # language, the admin's records in the site's.
    diagnostic = (parsed.bounce_diagnostic or "")[:300]
    why = diagnostic or _("the receiving server refused the letter")
    with transaction.atomic():
        escalation, complaint = _lock(escalation)
        InboundMail.objects.filter(pk=inbound.pk).update(
            escalation=escalation,
            complaint=complaint,
            reason=(why if parsed.bounce_failed else "delivery delayed: " + why)[:300],
        )
        if not parsed.bounce_failed:
            return  # only delayed: the MTA is still trying
        regulator_id = _bounced_regulator(escalation, parsed)
        if regulator_id is not None:
            regulator_email_bounced(regulator_id=regulator_id, why=why, now=now)
        institution = _bounced_institution(escalation, parsed) if regulator_id is None else None
        if institution is not None:
            # The first bounce's time stays: "failing since".
            Institution.objects.filter(pk=institution.pk, complaint_email_failing_since__isnull=True).update(
                complaint_email_failing_since=now
            )
            Institution.objects.filter(pk=institution.pk).update(complaint_email_failure=why)
        target = target_name(escalation)
        closed = (
            escalation.status == EscalationStatus.SENT
            and LetterEmail.objects.filter(escalation=escalation).exists()
        )
        if closed:
            # The app's letter never arrived: no deadline runs for it, no "overdue" will
            # come, and sending it another way is recorded as a new escalation (a waiting
            # one to the same body would refuse that). Only a letter nobody has confirmed
            # receiving: after an auto-reply or an answer, a bounce proves nothing.
            escalation.closed_at = now
            escalation_workflow.move(escalation, EscalationStatus.CLOSED, fields=["closed_at"])
            refresh_next_due(complaint)
        timeline_log(
            complaint,
            kind=ESCALATION_EVENT,
            actor=None,
            now=now,
            code="esc_bounced",
            params={**target_params(escalation), "why": diagnostic, "closed": closed},
        )
        transaction.on_commit(
            lambda: case_activity(
                CaseActivity(
                    kind=Activity.MAIL_BOUNCED,
                    complaint=complaint,
                    actor=None,
                    at=now,
                    object_id=inbound.pk,
                    detail=target,
                )
            ),
            robust=True,
        )


# --- The admin queue -----------------------------------------------------------------


class InboundError(Exception):
    """An admin's action on queued mail cannot be done; the message says why."""


def escalation_by_reference(reference: str, target: str = "") -> Escalation:
    """The escalation a complaint reference (and, when it has several sent letters, a
    target key such as lender-12) names. Raises InboundError."""
    escalations = Escalation.objects.filter(complaint__reference=reference.strip().upper()).exclude(
        status=EscalationStatus.DRAFTED
    )
    if target.strip():
        found = [e for e in escalations if e.target_key == target.strip()]
    else:
        found = list(escalations)
    if not found:
        raise InboundError(_("No sent escalation has that reference."))
    if len(found) > 1:
        raise InboundError(
            _("That complaint was sent to several places; say which: %(keys)s.")
            % {"keys": ", ".join(e.target_key for e in found)}
        )
    return found[0]


def inbound_attach(*, inbound: InboundMail, escalation: Escalation, actor: Any, now: datetime) -> None:
    """An admin puts a queued mail into a case, as if its token had matched. Only mail
    that could not be matched: a bounce or auto-reply is no answer, and unreadable or
    oversized mail has nothing safe to put there."""
    claimed = InboundMail.objects.filter(
        pk=inbound.pk, state=State.UNMATCHED, handled_at__isnull=True
    ).update(handled_by=actor, handled_at=now)
    if claimed != 1:
        raise InboundError(_("Only mail that matched no case, not yet handled, can be put into one."))
    try:
        with inbound.raw.open("rb") as f:
            parsed = parse_mail(f.read())
        deliver_reply(inbound=inbound, escalation=escalation, parsed=parsed, now=now)
    except Exception as e:
        InboundMail.objects.filter(pk=inbound.pk).update(handled_by=None, handled_at=None)
        if isinstance(e, MalformedMail):  # it was read once; a changed parser may refuse it now
            raise InboundError(str(e)) from e
        raise


def inbound_discard(*, inbound: InboundMail, actor: Any, now: datetime) -> bool:
    """Mark queued mail as dealt with; mail already in a case stays there."""
    return bool(
        InboundMail.objects.filter(pk=inbound.pk)
        .exclude(state__in=[State.MATCHED, State.DISCARDED])
        .update(state=State.DISCARDED, handled_by=actor, handled_at=now)
    )
