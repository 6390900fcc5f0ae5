"""Escalations' share of a person's data (accounts/privacy.py): where each complaint was
sent and what came back (by mail too), the letters, and the rendered PDFs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts.privacy import Erased, PersonalData, iso
from complaints.models import Complaint

from .models import Escalation, InboundMail, LetterDraft, LetterEmail, LetterPdf


def export_complaint(complaint: Complaint) -> dict[str, Any]:
    return {
        "escalations": [
            {
                "target": str(e.target_name),
                "channel": e.channel,
                "sent_at": iso(e.sent_at),
                "reference": e.reference,
                "due_at": iso(e.due_at),
                "status": e.status,
                "answer": e.answer,
            }
            for e in Escalation.objects.filter(complaint=complaint).select_related("lender", "regulator")
        ],
        "letters": [d.text for d in LetterDraft.objects.filter(complaint=complaint)],
        # Mail that came back about the complaint; its text is the answer above, its
        # attachments are in the evidence.
        "mail_received": [
            {"received": iso(m.received_at), "from": m.sender, "subject": m.subject, "state": m.state}
            for m in InboundMail.objects.filter(complaint=complaint)
        ],
        "letters_sent_by_email": [
            {
                "to": m.to_address,
                "subject": m.subject,
                "text": m.text,
                "state": m.state,
                "sent_at": iso(m.sent_at),
                "attachments": m.attachments,
            }
            for m in LetterEmail.objects.filter(escalation__complaint=complaint)
        ],
    }


def erase(user: Any, now: datetime) -> Erased:
    """Before evidence: answers uploaded as evidence are unlinked here and erased there."""
    complaints = Complaint.objects.filter(filer=user)
    # Without its token a later reply cannot bring the person's data back into the
    # anonymous complaint: it waits in the admin queue instead.
    Escalation.objects.filter(complaint__in=complaints).update(
        answer="", reference="", answer_document=None, reply_token=None, message_id=""
    )
    LetterDraft.objects.filter(complaint__in=complaints).delete()
    # The letters as emailed: the whole story with the name and any number chosen.
    LetterEmail.objects.filter(escalation__complaint__in=complaints).delete()
    # Rendered letters hold the name, the number and the whole story.
    pdfs = LetterPdf.objects.filter(complaint__in=complaints)
    stored = [p.file for p in pdfs if p.file]
    pdfs.delete()
    # Replies about the complaint name the borrower; the raw messages go with them.
    mail = InboundMail.objects.filter(complaint__in=complaints)
    stored += [m.raw for m in mail if m.raw]
    mail.delete()
    return Erased(files=stored)


PART = PersonalData(
    name="escalations",
    erase=erase,
    models=(
        "escalations.Escalation",
        "escalations.LetterDraft",
        "escalations.LetterEmail",
        "escalations.LetterPdf",
        "escalations.InboundMail",
    ),
)
