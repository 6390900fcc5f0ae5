"""The escalations' sentences on a complaint's timeline (see complaints/timeline_text.py).

Dates are stored as China's calendar day (YYYY-MM-DD), names as the directory has them,
a regulator's in both languages, the channel and the verdict as codes.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from complaints.timeline_text import bilingual, register

from .models import Escalation, EscalationChannel


def target_params(escalation: Escalation) -> dict[str, Any]:
    """The body's name as the reader's language has it: a regulator has both."""
    params: dict[str, Any] = {"target": str(escalation.target_name)}
    if escalation.regulator_id and escalation.regulator.name_en:
        params["target_en"] = escalation.regulator.name_en
    return params


def _target(p: dict[str, Any]) -> str:
    return bilingual(p, "target")


def _due(p: dict[str, Any]) -> str:
    if p.get("due_estimate"):
        return _("%(date)s (estimate)") % {"date": p["due"]}
    return str(p["due"])


def _reference_and_due(p: dict[str, Any], *, say_no_deadline: bool) -> list[str]:
    parts = []
    if p.get("reference"):
        parts.append(_("Their reference: %(reference)s.") % {"reference": p["reference"]})
    if p.get("due"):
        parts.append(_("Answer due by %(date)s.") % {"date": _due(p)})
    elif say_no_deadline:
        parts.append(_("No rule sets a deadline for this answer."))
    return parts


def _sent(p: dict[str, Any]) -> str:
    first = _("Sent to %(target)s (%(channel)s) on %(date)s.") % {
        "target": _target(p),
        "channel": EscalationChannel(p["channel"]).label,
        "date": p["date"],
    }
    return " ".join([first, *_reference_and_due(p, say_no_deadline=True)])


def _drafted(p: dict[str, Any]) -> str:
    return _("Prepared a complaint to %(target)s, not sent yet.") % {"target": _target(p)}


def _acknowledged(p: dict[str, Any]) -> str:
    first = _("%(target)s confirmed receipt on %(date)s.") % {"target": _target(p), "date": p["date"]}
    return " ".join([first, *_reference_and_due(p, say_no_deadline=False)])


def _auto_acknowledged(p: dict[str, Any]) -> str:
    return _("%(target)s confirmed receipt on %(date)s (自动回复, an automatic reply).") % {
        "target": _target(p),
        "date": p["date"],
    }


def _answered(p: dict[str, Any]) -> str:
    said = _("%(target)s answered on %(date)s.") % {"target": _target(p), "date": p["date"]}
    if p.get("satisfied") is True:
        said += " " + _("The answer is satisfying.")
    elif p.get("satisfied") is False:
        said += " " + _("The answer is not satisfying.")
    return said


def _closed(p: dict[str, Any]) -> str:
    return _("Escalation to %(target)s closed.") % {"target": _target(p)}


def _overdue(p: dict[str, Any]) -> str:
    return _("No answer from %(target)s by %(date)s: the answer is overdue.") % {
        "target": _target(p),
        "date": p["date"],
    }


def _rescheduled(p: dict[str, Any]) -> str:
    return _(
        "The answer from %(target)s is now due by %(date)s (was %(old)s): the holiday schedule was entered."
    ) % {"target": _target(p), "date": p["date"], "old": p["old"]}


def _email_failed(p: dict[str, Any]) -> str:
    # The error is the mail server's own words.
    return _("The email to %(target)s could not be sent: %(error)s") % {
        "target": _target(p),
        "error": p["error"],
    }


def _bounced(p: dict[str, Any]) -> str:
    why = p.get("why") or _("the receiving server refused the letter")
    said = _(
        "The email to %(target)s could not be delivered (%(why)s). Please send the letter another way."
    ) % {"target": _target(p), "why": why}
    if p.get("closed"):
        said += " " + _(
            "Its escalation is closed: the deadline does not run for a letter that never arrived."
        )
    return said


def _mail_received(p: dict[str, Any]) -> str:
    if p.get("answers"):
        said = _("%(target)s answered by email on %(date)s.") % {"target": _target(p), "date": p["date"]}
    else:
        said = _("Another email from %(target)s arrived on %(date)s.") % {
            "target": _target(p),
            "date": p["date"],
        }
    if p.get("kept"):
        said += " " + _("Attachments kept: %(names)s.") % {"names": ", ".join(p["kept"])}
    if p.get("refused"):
        said += " " + _("Attachments refused: %(names)s.") % {"names": "; ".join(p["refused"])}
    return said


def register_all() -> None:
    register("esc_sent", _sent)
    register("esc_drafted", _drafted)
    register("esc_acknowledged", _acknowledged)
    register("esc_auto_acknowledged", _auto_acknowledged)
    register("esc_answered", _answered)
    register("esc_closed", _closed)
    register("esc_overdue", _overdue)
    register("esc_rescheduled", _rescheduled)
    register("esc_email_failed", _email_failed)
    register("esc_bounced", _bounced)
    register("esc_mail_received", _mail_received)
