"""The complaint's status rules, in one place: which move is legal, and for whom.

Views, services, the admin and tests all read `TRANSITIONS`; nothing else decides.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .models import Status

# Who may make a move. The filer is the person who filed the complaint; caseworkers are
# advocates and admins (see complaints.permissions.actor_kinds).
FILER = "filer"
CASEWORKER = "caseworker"

_BOTH = frozenset({FILER, CASEWORKER})
_CASEWORKER = frozenset({CASEWORKER})
_FILER = frozenset({FILER})

TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (Status.DRAFT, Status.SUBMITTED): _FILER,
    (Status.DRAFT, Status.CLOSED): _FILER,
    (Status.SUBMITTED, Status.UNDER_REVIEW): _CASEWORKER,
    # A borrower may go to the lender without waiting for an advocate.
    (Status.SUBMITTED, Status.WAITING_LENDER): _BOTH,
    (Status.SUBMITTED, Status.CLOSED): _BOTH,
    (Status.UNDER_REVIEW, Status.WAITING_LENDER): _BOTH,
    (Status.UNDER_REVIEW, Status.WAITING_REGULATOR): _CASEWORKER,
    (Status.UNDER_REVIEW, Status.RESOLVED): _CASEWORKER,
    (Status.UNDER_REVIEW, Status.CLOSED): _BOTH,
    (Status.WAITING_LENDER, Status.WAITING_REGULATOR): _BOTH,
    (Status.WAITING_LENDER, Status.RESOLVED): _BOTH,
    (Status.WAITING_LENDER, Status.CLOSED): _BOTH,
    (Status.WAITING_REGULATOR, Status.RESOLVED): _BOTH,
    (Status.WAITING_REGULATOR, Status.CLOSED): _BOTH,
    # Harassment often starts again: a finished complaint can be reopened.
    (Status.RESOLVED, Status.SUBMITTED): _FILER,
    (Status.RESOLVED, Status.UNDER_REVIEW): _CASEWORKER,
    (Status.CLOSED, Status.SUBMITTED): _FILER,
    (Status.CLOSED, Status.UNDER_REVIEW): _CASEWORKER,
}

# Statuses reached only by recording where the complaint was sent (an escalation, with its
# deadline and reminders): escalations.services passes `by_escalation`; a button or a
# hand-made POST cannot, so the status never says "waiting" for an answer nobody awaits.
ESCALATION_ONLY: frozenset[str] = frozenset({Status.WAITING_LENDER, Status.WAITING_REGULATOR})

# Moves that need a reason, because someone later must understand them.
REASON_REQUIRED: frozenset[tuple[str, str]] = frozenset(
    {(src, dst) for (src, dst) in TRANSITIONS if dst == Status.CLOSED and src != Status.DRAFT}
    | {(src, dst) for (src, dst) in TRANSITIONS if src in (Status.RESOLVED, Status.CLOSED)}
)

# What the button for each move says, from the point of view of whoever presses it.
ACTION_LABELS = {
    Status.SUBMITTED: _("Submit"),
    Status.UNDER_REVIEW: _("Start review"),
    Status.WAITING_LENDER: _("I have sent it to the lender"),
    Status.WAITING_REGULATOR: _("It was sent to a regulator"),
    Status.RESOLVED: _("Mark resolved"),
    Status.CLOSED: _("Close"),
}


# Some moves read differently depending on where they start.
_SPECIAL_LABELS = {
    (Status.DRAFT, Status.CLOSED): _("Discard this draft"),
    (Status.RESOLVED, Status.SUBMITTED): _("Reopen: the harassment started again"),
    (Status.CLOSED, Status.SUBMITTED): _("Reopen and submit"),
    (Status.RESOLVED, Status.UNDER_REVIEW): _("Reopen for review"),
    (Status.CLOSED, Status.UNDER_REVIEW): _("Reopen for review"),
}

# One line under the button, so nobody presses it without knowing what it means.
ACTION_HELP = {
    Status.SUBMITTED: _("Advocates can then see the complaint and help you."),
    Status.UNDER_REVIEW: _("You take the case for review; the borrower sees that it is being looked at."),
    Status.WAITING_LENDER: _(
        "Press this once the complaint was sent to the lender (by its hotline, app or letter). "
        "The lender must answer within its deadline."
    ),
    Status.WAITING_REGULATOR: _("Press this once the complaint was sent to a regulator."),
    Status.RESOLVED: _("The harassment stopped or the lender gave a satisfying answer."),
    Status.CLOSED: _("The complaint will not be pursued further. It stays on record."),
}


def action_label(src: str, dst: str) -> str:
    return str(_SPECIAL_LABELS.get((src, dst)) or ACTION_LABELS.get(dst, dst))


def is_allowed(src: str, dst: str, actor_kinds: frozenset[str]) -> bool:
    return bool(TRANSITIONS.get((src, dst), frozenset()) & actor_kinds)


def targets_for(src: str, actor_kinds: frozenset[str]) -> list[str]:
    """The moves a person can make by pressing a button (those an escalation makes are not)."""
    return [
        dst
        for (s, dst), who in TRANSITIONS.items()
        if s == src and who & actor_kinds and dst not in ESCALATION_ONLY
    ]


def needs_reason(src: str, dst: str) -> bool:
    return (src, dst) in REASON_REQUIRED
