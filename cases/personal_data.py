"""Case work's share of a person's data (accounts/privacy.py): advocates' requests to the
borrower and the borrower's answers, and whether the harassment stopped after closing.
Internal notes are the advocates' working papers (the timeline's internal events, erased
with the complaint's notes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts.privacy import Erased, PersonalData, iso
from complaints.models import Complaint
from lib import versions

from .followups import FOLLOWUPS_VERSION
from .models import FollowUp, InfoRequest


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
        ],
        "did_the_harassment_stop": [
            {
                "round": f.round,
                "asked": iso(f.asked_at),
                "answer": f.answer,
                "in_your_words": f.text,
                "answered": iso(f.answered_at),
                "reopened_the_case": iso(f.reopened_at),
            }
            for f in FollowUp.objects.filter(complaint=complaint)
        ],
    }


def erase(user: Any, now: datetime) -> Erased:
    InfoRequest.objects.filter(complaint__filer=user).update(response="", message="")
    # The answers go altogether: kept without the person they would still say how one
    # identifiable case ended. The statistics lose them, and are recounted.
    erased, _by_model = FollowUp.objects.filter(complaint__filer=user).delete()
    if erased:
        versions.bump(FOLLOWUPS_VERSION)
    return Erased()


# Evidence reviews go with the evidence (cascade); collector profiles count numbers, not people.
PART = PersonalData(
    name="cases", erase=erase, models=("cases.InfoRequest", "cases.EvidenceReview", "cases.FollowUp")
)
