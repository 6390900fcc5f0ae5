"""The case work's sentences on a complaint's timeline (see complaints/timeline_text.py)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from complaints.timeline_text import register

from .models import FollowUp


def _assigned(p: dict[str, Any]) -> str:
    # Borrowers see that someone took the case, not who: volunteers keep their privacy.
    return _("An advocate is now handling this case.")


def _released(p: dict[str, Any]) -> str:
    return _("The case is waiting for an advocate.")


def _reviewed(p: dict[str, Any]) -> str:
    verdict = _("usable") if p["usable"] else _("not usable")
    return f"{p['name']}: {verdict}"


def _followup_answered(p: dict[str, Any]) -> str:
    return _("Did the harassment stop? (%(round)s) %(answer)s.") % {
        "round": FollowUp.Round(p["round"]).label,
        "answer": FollowUp.Answer(p["answer"]).label,
    }


def _followup_reopened(p: dict[str, Any]) -> str:
    return _("Reopened: asked whether the harassment stopped, the borrower answered “%(answer)s”.") % {
        "answer": FollowUp.Answer(p["answer"]).label
    }


def register_all() -> None:
    register("case_assigned", _assigned)
    register("case_released", _released)
    register("evidence_reviewed", _reviewed)
    register("followup_answered", _followup_answered)
    register("followup_reopened", _followup_reopened)
