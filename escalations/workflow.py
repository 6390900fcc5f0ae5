"""An escalation's status rules, in one place, like the complaint's (complaints/workflow.py).

Every escalation service moves an escalation through `move` (or, for the overdue sweep's
claim, reads `sources_of`), so no service can set a status the table does not allow.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from complaints.services import ComplaintError

from .models import Escalation, EscalationStatus

E = EscalationStatus

# A new escalation starts drafted (prepared, not sent) or sent (recorded after sending).
STARTS: frozenset[str] = frozenset({E.DRAFTED, E.SENT})

TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (E.DRAFTED, E.SENT),
        (E.SENT, E.ACKNOWLEDGED),
        # The overdue sweep, when the deadline passes without an answer.
        (E.SENT, E.OVERDUE),
        (E.ACKNOWLEDGED, E.OVERDUE),
        # An answer is recorded whenever it comes, late ones too.
        (E.SENT, E.ANSWERED),
        (E.ACKNOWLEDGED, E.ANSWERED),
        (E.OVERDUE, E.ANSWERED),
        # Nothing more is expected: answered and done, or given up on (with a reason).
        (E.DRAFTED, E.CLOSED),
        (E.SENT, E.CLOSED),
        (E.ACKNOWLEDGED, E.CLOSED),
        (E.OVERDUE, E.CLOSED),
        (E.ANSWERED, E.CLOSED),
    }
)


def is_allowed(src: str, dst: str) -> bool:
    return (src, dst) in TRANSITIONS


def sources_of(dst: str) -> list[str]:
    return sorted(src for src, to in TRANSITIONS if to == dst)


def move(escalation: Escalation, to_status: str, *, fields: Iterable[str] = ()) -> Escalation:
    """Check the move, set the status and save it with the other `fields` the caller
    changed (a new escalation is inserted whole). Raises ComplaintError with the reason."""
    if escalation.pk is None:
        if to_status not in STARTS:
            raise ComplaintError(_("An escalation starts as drafted or sent."))
        escalation.status = to_status
        escalation.save()
        return escalation
    if not is_allowed(escalation.status, to_status):
        raise ComplaintError(
            _("An escalation cannot go from “%(src)s” to “%(dst)s”.")
            % {"src": E(escalation.status).label, "dst": E(to_status).label}
        )
    escalation.status = to_status
    escalation.save(update_fields=sorted({"status", "updated", *fields}))
    return escalation
