"""A person's rights over their data (PIPL Arts 44–47): take a copy, and leave.

Export: everything held about the person, as JSON plus their original files, streamed as
one ZIP. Deletion: personal data and files are erased; the complaints stay only as
anonymous statistics (lender, province, kinds and dates of incidents, status), owned by a
placeholder account, because the patterns across complaints are what regulators act on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from complaints.models import Complaint, Incident, TimelineEvent

DELETED_USERNAME = "deleted-account"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_data(user: Any) -> dict[str, Any]:
    """Everything the product holds about `user` that is theirs to see."""
    from cases.models import InfoRequest
    from notifications.models import Reminder
    from regulators.models import Escalation, LetterDraft

    from .models import Consent

    complaints = []
    for c in (
        Complaint.objects.filter(filer=user).select_related("lender", "funding_institution").order_by("pk")
    ):
        complaints.append(
            {
                "reference": c.reference,
                "status": c.status,
                "filer_relation": c.filer_relation,
                "lender": c.lender.name,
                "funding_institution": c.funding_institution.name if c.funding_institution else None,
                "summary": c.summary,
                "desired_outcomes": c.desired_outcomes,
                "province": c.province,
                "loan_amount": str(c.loan_amount) if c.loan_amount is not None else None,
                "loan_date": c.loan_date.isoformat() if c.loan_date else None,
                "is_overdue": c.is_overdue,
                "created": _iso(c.created),
                "submitted_at": _iso(c.submitted_at),
                "incidents": [
                    {
                        "occurred_at": _iso(i.occurred_at),
                        "channel": i.channel,
                        "kind": i.kind,
                        "collector_id": i.collector_id,
                        "contacted": i.contacted,
                        "contacted_count": i.contacted_count,
                        "third_party_number": i.third_party_number,
                        "description": i.description,
                    }
                    for i in c.incidents.all()
                ],
                # Advocates' internal notes are their working papers, not the borrower's data.
                "timeline": [
                    {
                        "when": _iso(e.created),
                        "kind": e.kind,
                        "from": e.from_status,
                        "to": e.to_status,
                        "note": e.note,
                    }
                    for e in c.events.filter(internal=False)
                ],
                "evidence": [
                    {
                        "file": f"files/{c.reference}/{e.public_id}{e.extension}",
                        "name": e.original_name,
                        "kind": e.kind,
                        "size": e.size,
                        "sha256": e.sha256,
                        "caption": e.caption,
                        "uploaded": _iso(e.created),
                        "withdrawn": _iso(e.withdrawn_at),
                    }
                    for e in c.evidence.all()
                ],
                "requests_from_advocates": [
                    {
                        "asked": _iso(r.created),
                        "message": r.message,
                        "answer": r.response,
                        "answered": _iso(r.answered_at),
                    }
                    for r in InfoRequest.objects.filter(complaint=c)
                ],
                "escalations": [
                    {
                        "target": str(e.target_name),
                        "channel": e.channel,
                        "sent_at": _iso(e.sent_at),
                        "reference": e.reference,
                        "due_at": _iso(e.due_at),
                        "status": e.status,
                        "answer": e.answer,
                    }
                    for e in Escalation.objects.filter(complaint=c).select_related("lender", "regulator")
                ],
                "letters": [d.text for d in LetterDraft.objects.filter(complaint=c)],
            }
        )
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": user.username,
            "phone": user.phone,
            "email": user.email,
            "display_name": user.display_name,
            "language": user.language,
            "date_joined": _iso(user.date_joined),
        },
        "consents": [
            {"purpose": c.purpose, "notice_version": c.notice_version, "given_at": _iso(c.given_at)}
            for c in Consent.objects.filter(user=user)
        ],
        "complaints": complaints,
        "notifications": [
            {"title": r.title, "body": r.body, "created": _iso(r.created), "read": _iso(r.read_at)}
            for r in Reminder.objects.filter(recipient=user)
        ],
    }


def stream_export(user: Any) -> Iterator[bytes]:
    """The ZIP: data.json and every original file the person uploaded, built while sent."""
    import zipfile

    from evidence.models import Evidence
    from evidence.package import _Pipe

    data = export_data(user)
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        yield pipe.drain()
        for evidence in Evidence.objects.filter(complaint__filer=user).select_related("complaint"):
            name = f"files/{evidence.complaint.reference}/{evidence.public_id}{evidence.extension}"
            with evidence.file.open("rb") as source, archive.open(name, mode="w", force_zip64=True) as target:
                while block := source.read(256 * 1024):
                    target.write(block)
                    yield pipe.drain()
    yield pipe.drain()


def _placeholder() -> Any:
    User = get_user_model()
    user, _created = User.objects.get_or_create(
        username=DELETED_USERNAME, defaults={"is_active": False, "display_name": "", "phone": None}
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def account_delete(*, user: Any, now: datetime | None = None) -> dict[str, int]:
    """Erase the person; keep their complaints only as anonymous statistics.

    Files are removed from storage after the transaction commits, so a failure half way
    leaves both the rows and the files.
    """
    from cases.models import InfoRequest
    from evidence.models import Evidence
    from regulators.models import Escalation, LetterDraft, LetterPdf

    now = now or timezone.now()
    complaints = Complaint.objects.filter(filer=user)
    files = []
    evidence = Evidence.objects.filter(complaint__in=complaints)
    for item in evidence:
        files.extend(f for f in (item.file, item.display_file, item.thumbnail) if f)
    # Answers that were uploaded as evidence go with the evidence.
    Escalation.objects.filter(complaint__in=complaints).update(answer="", reference="", answer_document=None)
    evidence.delete()
    LetterDraft.objects.filter(complaint__in=complaints).delete()
    # Rendered letters hold the name, the number and the whole story.
    pdfs = LetterPdf.objects.filter(complaint__in=complaints)
    files.extend(p.file for p in pdfs if p.file)
    pdfs.delete()
    InfoRequest.objects.filter(complaint__in=complaints).update(response="", message="")
    Incident.objects.filter(complaint__in=complaints).update(description="", third_party_number="")
    TimelineEvent.objects.filter(complaint__in=complaints).update(note="")
    TimelineEvent.objects.filter(actor=user).update(actor=None)
    kept = complaints.count()
    complaints.update(
        filer=_placeholder(),
        summary="",
        loan_amount=None,
        loan_date=None,
        is_overdue=None,
        funding_institution=None,
        updated=now,
    )
    user.delete()
    transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])
    return {"complaints_kept_anonymously": kept, "files_erased": len(files)}
