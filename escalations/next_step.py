"""The one thing to do next on a complaint, worked out from its state.

The card at the top of the complaint page (templates/escalations/_next_step.html) shows
it, so that a frightened person does not have to read seven routes and seven letters to
find it. It is a selector: it reads the complaint, its escalations and its route, and
decides nothing the services do not already allow. Closing or withdrawing the complaint
is never the next step; the page keeps those in a quiet place.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils.translation import gettext as _

from complaints.models import Complaint, Status

from .due import Due, due_for
from .models import Escalation, EscalationStatus
from .sending import is_stale
from .workdays import WorkingCalendar


@dataclass(frozen=True)
class Contact:
    label: str
    value: str
    href: str = ""


@dataclass(frozen=True)
class NextStep:
    kind: str  # draft, send, mark_sent, wait, late, answered, satisfied, finished, unrouted
    title: str
    text: str
    due: Due | None = None
    contacts: tuple[Contact, ...] = ()
    # The one primary button: a link, or (with `button_status`) a change of status.
    button_label: str = ""
    button_url: str = ""
    button_status: str = ""
    # A plain link under the button, to the form that records what was done.
    secondary_label: str = ""
    secondary_url: str = ""
    # Sending it oneself, step by step (escalations.views.letter_guide).
    guide_label: str = ""
    guide_url: str = ""


def _key(step: Any) -> str:
    return f"lender-{step.lender.pk}" if step.lender is not None else f"regulator-{step.regulator.pk}"


def _name(step: Any) -> str:
    return step.lender.name if step.lender is not None else step.regulator.name_zh


def contacts_of(step: Any) -> tuple[Contact, ...]:
    """Where and how to send the letter to a body of the route."""
    if step.lender is not None:
        lender = step.lender
        rows = [
            (_("Customer-service phone"), lender.service_phone, f"tel:{lender.service_phone}"),
            (_("Email"), lender.service_email, f"mailto:{lender.service_email}"),
            (_("Website"), lender.service_url, lender.service_url),
        ]
    else:
        regulator = step.regulator
        rows = [
            (_("Hotline"), regulator.hotline, f"tel:{regulator.hotline}"),
            (_("Website"), regulator.website, regulator.website),
            (_("Email"), regulator.email, f"mailto:{regulator.email}"),
            (_("By post"), regulator.postal_address, ""),
        ]
    return tuple(Contact(label, value, href) for label, value, href in rows if value)


def _letter(complaint: Complaint, key: str) -> str:
    return reverse("regulators:letter", args=[complaint.reference, key])


def _record_form(complaint: Complaint) -> str:
    return f"{complaint.get_absolute_url()}#escalation-form"


def _row(complaint: Complaint, escalation: Escalation) -> str:
    return f"{complaint.get_absolute_url()}#escalation-{escalation.pk}"


def _send_to(
    complaint: Complaint,
    step: Any,
    *,
    title: str,
    text: str,
    can_record: bool,
    emailable: Collection[str] = (),
) -> NextStep:
    name, key = _name(step), _key(step)
    guide = {
        "guide_label": _("Send it yourself, step by step"),
        "guide_url": reverse("regulators:letter_guide", args=[complaint.reference, key]),
    }
    if key in emailable:
        # The body takes email: the app sends it, after the borrower has seen the email.
        return NextStep(
            kind="send",
            title=title % {"body": name},
            text=text % {"body": name},
            contacts=contacts_of(step),
            button_label=_("Send from the app"),
            button_url=reverse("regulators:escalation_send", args=[complaint.reference, key]),
            secondary_label=_("Open the letter to %(body)s") % {"body": name},
            secondary_url=_letter(complaint, key),
            **guide,
        )
    return NextStep(
        kind="send",
        title=title % {"body": name},
        text=text % {"body": name},
        contacts=contacts_of(step),
        button_label=_("Open the letter to %(body)s") % {"body": name},
        button_url=_letter(complaint, key),
        secondary_label=_("Sent it? Record the day you sent it") if can_record else "",
        secondary_url=_record_form(complaint) if can_record else "",
        **guide,
    )


def _email_of(escalation: Escalation) -> Any:
    try:
        return escalation.letter_email
    except ObjectDoesNotExist:
        return None


def next_step(
    *,
    complaint: Complaint,
    escalations: Sequence[Escalation],
    route: Sequence[Any],
    now: datetime,
    can_record: bool,
    allowed_statuses: Collection[str] = (),
    calendar: WorkingCalendar | None = None,
    emailable: Collection[str] = (),
) -> NextStep | None:
    """The single next action on `complaint` for the person looking at it.

    `route` is the complaint's route (regulators.routing), `escalations` all its
    escalations, `allowed_statuses` the status changes this viewer may make by a button,
    `emailable` the target keys this viewer may have the app email (panels.emailable_keys).
    """
    if complaint.status == Status.DRAFT:
        return NextStep(
            kind="draft",
            title=_("Check your complaint and submit it"),
            text=_(
                "It is a draft: nobody else can see it yet. Once you submit it, this page shows "
                "where to send it and prepares the letter."
            ),
            button_label=_("Check and submit"),
            button_url=reverse("complaints:edit", args=[complaint.reference]),
        )
    if complaint.status in (Status.RESOLVED, Status.CLOSED):
        resolved = complaint.status == Status.RESOLVED
        return NextStep(
            kind="finished",
            title=_("This complaint is resolved") if resolved else _("This complaint is closed"),
            text=_(
                "Nothing more to do. If the harassment starts again, record it as a new "
                "incident after reopening the complaint (under “Other actions” at the end of "
                "this page), or file a new complaint."
            ),
        )

    contacted = {e.target_key for e in escalations if e.status != EscalationStatus.DRAFTED}
    remaining = [step for step in route if _key(step) not in contacted]
    following = remaining[0] if remaining else None
    awaiting = [e for e in escalations if e.is_awaiting]
    late = [e for e in awaiting if e.is_late(now)]

    def _due(escalation: Escalation) -> Due | None:
        if escalation.due_at is None:
            return None
        return due_for(
            escalation.due_at,
            now=now,
            working_days=escalation.deadline_working_days,
            calendar=calendar,
        )

    if late:
        escalation = min(late, key=lambda e: e.due_at)
        body = escalation.target_name
        if following is None:
            return NextStep(
                kind="late",
                title=_("%(body)s did not answer in time") % {"body": body},
                text=_(
                    "Every body on the route has had the complaint. The legal step page explains "
                    "what a court or the police can do, and what to prepare."
                ),
                due=_due(escalation),
                button_label=_("The legal step"),
                button_url=reverse("regulators:legal_step", args=[complaint.reference]),
            )
        step = _send_to(
            complaint,
            following,
            title=_("Go to %(body)s now"),
            text=_(
                "The answer you were waiting for is late. Send the complaint to %(body)s with the "
                "letter we prepared, and say that the earlier body did not answer in time."
            ),
            can_record=can_record,
            emailable=emailable,
        )
        return replace(
            step,
            kind="late",
            title=_("%(body)s did not answer in time") % {"body": body},
            due=_due(escalation),
        )

    drafted = [e for e in escalations if e.status == EscalationStatus.DRAFTED]
    for escalation in drafted:
        email = _email_of(escalation)
        if email is None:
            continue
        body = escalation.target_name
        if email.in_progress and not is_stale(email, now):
            return NextStep(
                kind="sending",
                title=_("Sending your letter to %(body)s…") % {"body": body},
                text=_(
                    "The app is emailing it. Once it has left, this page shows by when they must "
                    "answer; their reply comes back here."
                ),
                button_label=_("Check again"),
                button_url=_row(complaint, escalation),
            )
        if email.state == email.State.FAILED or is_stale(email, now):
            return NextStep(
                kind="send_failed",
                title=_("The email to %(body)s could not be sent") % {"body": body},
                text=_("Try again, or send the letter another way and record the day you sent it."),
                button_label=_("Try again or send another way"),
                button_url=_row(complaint, escalation),
                guide_label=_("Send it yourself, step by step"),
                guide_url=reverse(
                    "regulators:letter_guide", args=[complaint.reference, escalation.target_key]
                ),
            )
    if drafted:
        escalation = drafted[0]
        body = escalation.target_name
        return NextStep(
            kind="mark_sent",
            title=_("Send the letter to %(body)s") % {"body": body},
            text=_(
                "You recorded it but not yet the day you sent it. Send the letter, then press “I "
                "have sent it” under %(body)s: from that day we count the days the answer may take."
            )
            % {"body": body},
            button_label=_("Open the letter"),
            button_url=_letter(complaint, escalation.target_key),
            secondary_label=_("I have sent it") if can_record else "",
            secondary_url=_row(complaint, escalation) if can_record else "",
        )

    if awaiting:
        # The soonest deadline is what the borrower waits for.
        escalation = min(awaiting, key=lambda e: (e.due_at is None, e.due_at or now))
        body = escalation.target_name
        if escalation.due_at is None:
            text = _(
                "No rule sets a deadline for this answer. Record it when it comes; if nothing "
                "comes within a month, go to the next body on the route."
            )
        else:
            text = _(
                "Record their answer when it comes. If the day passes without one, this page "
                "shows where to go next."
            )
        return NextStep(
            kind="wait",
            title=_("Wait for the answer of %(body)s") % {"body": body},
            text=text,
            due=_due(escalation),
            button_label=_("They answered") if can_record else "",
            button_url=_row(complaint, escalation) if can_record else "",
        )

    answered = [e for e in escalations if e.status == EscalationStatus.ANSWERED]
    if answered:
        escalation = max(answered, key=lambda e: (e.answered_at or now, e.pk))
        body = escalation.target_name
        if escalation.satisfied:
            can_resolve = Status.RESOLVED in allowed_statuses
            return NextStep(
                kind="satisfied",
                title=_("%(body)s answered, and the answer satisfied you") % {"body": body},
                text=_(
                    "If the harassment has stopped, mark the complaint resolved. If it starts "
                    "again, you can reopen it."
                ),
                button_label=_("Mark resolved") if can_resolve else "",
                button_status=Status.RESOLVED if can_resolve else "",
            )
        if following is not None:
            step = _send_to(
                complaint,
                following,
                title=_("Take it to %(body)s"),
                text=_(
                    "The answer did not settle it. Send the complaint to %(body)s with the letter "
                    "we prepared, and attach the answer you got."
                ),
                can_record=can_record,
                emailable=emailable,
            )
            return replace(
                step, kind="answered", title=_("The answer of %(body)s did not settle it") % {"body": body}
            )
        return NextStep(
            kind="answered",
            title=_("The answer of %(body)s did not settle it") % {"body": body},
            text=_(
                "Every body on the route has had the complaint. The legal step page explains "
                "what a court or the police can do, and what to prepare."
            ),
            button_label=_("The legal step"),
            button_url=reverse("regulators:legal_step", args=[complaint.reference]),
        )

    if following is None:
        return NextStep(
            kind="unrouted",
            title=_("An advocate will look at your complaint"),
            text=_(
                "We could not yet work out where to send it. Add what you know about the lender, "
                "or wait for an advocate: you will get a notification."
            ),
        )
    by_email = _key(following) in emailable
    if not contacted:
        # Nothing has gone anywhere yet: "submitted" on this platform is not sent.
        title = _("Submitted here. Not yet sent to %(body)s")
        if by_email:
            text = _(
                "Your complaint is saved on this platform only: %(body)s has not received it. "
                "The lender must answer a complaint first, and regulators expect you to have "
                "asked it. Send the letter from the app: you see the email before it goes, and "
                "we count the days from when it has left."
            )
        else:
            text = _(
                "Your complaint is saved on this platform only: %(body)s has not received it. "
                "The lender must answer a complaint first, and regulators expect you to have "
                "asked it. Open the letter, send it one of these ways, then record the day you "
                "sent it: we work out by when the answer is due."
            )
    elif by_email:
        title = _("Send your complaint to %(body)s")
        text = _(
            "Send the letter from the app: you see the email before it goes, and we count the "
            "days from when it has left."
        )
    else:
        title = _("Send your complaint to %(body)s")
        text = _(
            "Open the letter, send it one of these ways, then record the day you sent it: we "
            "work out by when the answer is due."
        )
    return _send_to(
        complaint,
        following,
        title=title,
        text=text,
        can_record=can_record,
        emailable=emailable,
    )
