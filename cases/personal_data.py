"""Case work's share of a person's data (accounts/privacy.py): advocates' requests to the
borrower and the borrower's answers. Internal notes are the advocates' working papers
(the timeline's internal events, erased with the complaint's notes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts.privacy import Erased, PersonalData, iso
from complaints.models import Complaint

from .models import InfoRequest


def export_complaint(complaint: Complaint) -> dict[str, Any]:
    return {
        "requests_from_advocates": [
            {
                "asked": iso(r.created),
                "message": r.message,
                "answer": r.response,
                "answered": iso(r.answered_at),
            }
            for r in InfoRequest.objects.filter(complaint=complaint)
        ]
    }


def erase(user: Any, now: datetime) -> Erased:
    InfoRequest.objects.filter(complaint__filer=user).update(response="", message="")
    return Erased()


# Evidence reviews go with the evidence (cascade); collector profiles count numbers, not people.
PART = PersonalData(name="cases", erase=erase, models=("cases.InfoRequest", "cases.EvidenceReview"))
