"""What the complaint page needs for its "Escalations" section (templates/escalations/_escalations.html).

complaints.views._detail_context merges `escalation_panel(user, complaint)` into its
context, so that app does not need to know about escalations, forms or letters.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language

from complaints import permissions
from complaints.models import Complaint
from regulators.routing import route_for_complaint

from . import workdays
from .conduct import breaches_for_complaint
from .due import due_for
from .forms import AcknowledgeForm, AnswerForm, CloseEscalationForm, EscalationForm, MarkSentForm
from .models import AWAITING_STATUSES, Escalation, EscalationStatus, LetterEmail
from .next_step import next_step
from .sending import STALE_CLAIM, is_stale


def _letter_email(escalation: Escalation) -> LetterEmail | None:
    try:
        return escalation.letter_email
    except LetterEmail.DoesNotExist:
        return None


def _label(step: Any) -> str:
    regulator = step.regulator
    if regulator is None:
        return step.name
    return regulator.name_en if get_language() == "en" and regulator.name_en else regulator.name_zh


def route_targets(complaint: Complaint, route: list[Any] | None = None) -> list[tuple[str, str]]:
    """(target key, name) of each step of the complaint's route: where it may be sent."""
    # A draft has no route yet: its facts may still change, and nobody else may see it.
    steps = [] if complaint.is_draft else (route if route is not None else route_for_complaint(complaint))
    targets = [(s.key, _label(s)) for s in steps]
    # The brand itself stays a target beside its lender of record: borrowers complain in the app.
    lender_step = next((s for s in steps if s.institution is not None and s.lender is not None), None)
    if lender_step is not None:
        brand_key = f"lender-{lender_step.lender.pk}"
        if brand_key not in dict(targets):
            targets.insert(1, (brand_key, lender_step.lender.name))
    return targets


# The forms of an escalation row, by the name the views use for a form sent back with its
# errors (complaints.page.render_detail's `bound`): "<name>-<escalation id>".
ROW_FORMS = {
    "sent": MarkSentForm,
    "ack": AcknowledgeForm,
    "answer": AnswerForm,
    "close": CloseEscalationForm,
}
RECORD_FORM = "escalation-record"


def row_form_auto_id(name: str, pk: int) -> str:
    return f"{name}{pk}_%s"


def _takes_email(step: Any) -> bool:
    if step.regulator is not None:
        return bool(step.regulator.email and step.regulator.email_failing_since is None)
    institution = step.institution
    return bool(
        institution is not None
        and institution.complaint_email
        and institution.complaint_email_failing_since is None
    )


def emailable_keys(route: list[Any]) -> set[str]:
    """The targets of the route the app can email (escalations.sending.email_route),
    worked out from the route's own rows, without a query. A brand ("lender-12") goes to
    its lender of record, the institution of the route's lender step."""
    keys = {step.key for step in route if _takes_email(step)}
    for step in route:
        if step.role == "lender" and step.lender is not None and _takes_email(step):
            keys.add(f"lender-{step.lender.pk}")
    return keys


def escalation_panel(
    user: Any,
    complaint: Complaint,
    *,
    now: datetime | None = None,
    route: list[Any] | None = None,
    bound: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One context key, `escalation_panel`, for the complaint page (which passes the route
    it has already worked out, and any form sent back with its errors, by name)."""
    now = now or timezone.now()
    bound = bound or {}
    can_update = permissions.can_update_escalation(user, complaint)
    calendar = workdays.WorkingCalendar()
    rows = []
    can_send = permissions.can_send_from_app(user, complaint)
    for escalation in complaint.escalations.select_related(
        "lender", "regulator", "institution", "answer_document", "letter_email"
    ):
        pk, status = escalation.pk, escalation.status
        email = _letter_email(escalation)
        # The app is sending it: nothing to record by hand until it has left or failed.
        sending = (
            email is not None
            and status == EscalationStatus.DRAFTED
            and email.in_progress
            and not is_stale(email, now)
        )
        failed = (
            email is not None
            and status == EscalationStatus.DRAFTED
            and (email.state == LetterEmail.State.FAILED or is_stale(email, now))
        )
        shows = {
            "sent": status == EscalationStatus.DRAFTED and not sending,
            "ack": status == EscalationStatus.SENT,
            "answer": status in AWAITING_STATUSES,
            "close": status != EscalationStatus.CLOSED and not sending,
        }
        forms = {
            f"{name}_form": (bound.get(f"{name}-{pk}") or cls(auto_id=row_form_auto_id(name, pk)))
            if can_update and shows[name]
            else None
            for name, cls in ROW_FORMS.items()
        }
        rows.append(
            {
                "escalation": escalation,
                "late": status == EscalationStatus.OVERDUE or escalation.is_late(now),
                # Why the due date is only an estimate, while it still matters.
                "estimate": workdays.estimate_reason(escalation.due_at)
                if status in AWAITING_STATUSES
                else "",
                # The days left, while an answer is awaited.
                "due": due_for(
                    escalation.due_at,
                    now=now,
                    working_days=escalation.deadline_working_days,
                    calendar=calendar,
                )
                if status in AWAITING_STATUSES and escalation.due_at
                else None,
                # Which form came back with errors: its <details> stays open.
                "open": next((name for name in ROW_FORMS if f"{name}-{pk}" in bound), ""),
                "email": email,
                "sending": sending,
                "send_failed": failed,
                "stale": failed and email is not None and email.state != LetterEmail.State.FAILED,
                "can_retry": failed and can_send,
                **forms,
            }
        )
    if route is None:
        route = [] if complaint.is_draft else route_for_complaint(complaint)
    targets = route_targets(complaint, route)
    emailable = emailable_keys(route) if can_send else set()
    form = None
    if permissions.can_record_escalation(user, complaint) and targets:
        # The next step is the first one the complaint has not been sent to.
        done = {row["escalation"].target_key for row in rows}
        next_key = next((key for key, _label in targets if key not in done), targets[0][0])
        form = bound.get(RECORD_FORM) or EscalationForm(
            targets=targets, auto_id="escalation_%s", initial={"target": next_key}
        )
    return {
        "escalation_panel": {
            "rows": rows,
            "form": form,
            "letters": targets,
            # Where "Send from the app" is offered (the filer's, for targets that take email).
            "emailable": sorted(emailable),
            "now": now,
        }
    }


def complaint_section(request: Any, complaint: Complaint, page: dict[str, Any]) -> dict[str, Any]:
    """The complaint page's route, conduct badges and escalations (registered in
    complaints/page.py)."""
    incidents = page["incidents"]
    route = route_for_complaint(complaint, kinds=[i.kind for i in incidents])
    now = timezone.now()
    panel = escalation_panel(request.user, complaint, now=now, route=route, bound=page.get("bound_forms"))
    return {
        "fresh_until": fresh_until(panel["escalation_panel"]["rows"], now),
        # Which collection-conduct rules each incident breaks (badges under each incident).
        "breaches": breaches_for_complaint(complaint, incidents=incidents),
        "route": route,
        "next_step": next_step(
            complaint=complaint,
            escalations=[row["escalation"] for row in panel["escalation_panel"]["rows"]],
            # A draft has no route yet (route_targets).
            route=[] if complaint.is_draft else route,
            now=now,
            can_record=permissions.can_record_escalation(request.user, complaint),
            allowed_statuses={action["status"] for action in page.get("actions", ())},
            emailable=panel["escalation_panel"]["emailable"],
        ),
        **panel,
    }


def fresh_until(rows: list[dict[str, Any]], now: datetime) -> datetime | None:
    """The first moment the section reads differently with no row changing: an awaited
    answer falls due ("overdue", the next step), or a letter's send stops being believed
    in progress. The change of China's day (days left) is the page's own (complaints.page)."""
    moments = []
    for row in rows:
        escalation, email = row["escalation"], row["email"]
        if escalation.is_awaiting and escalation.due_at is not None and escalation.due_at >= now:
            moments.append(escalation.due_at)
        if email is not None and email.claimed_at is not None and email.claimed_at + STALE_CLAIM >= now:
            moments.append(email.claimed_at + STALE_CLAIM)
    return min(moments) + timedelta(microseconds=1) if moments else None


def complaint_list_notes(complaints: list[Complaint], now: datetime) -> None:
    """The days left to the next answer each complaint awaits, for "My complaints"
    (registered in complaints/page.py). One query for the page, one calendar."""
    waiting = [c for c in complaints if c.next_due_at is not None]
    for complaint in complaints:
        complaint.due = None
    if not waiting:
        return
    # next_due_at is the earliest due date awaited; whether its rule counts working days
    # is on the escalation that has it.
    working = {
        (complaint_id, due_at): flag
        for complaint_id, due_at, flag in Escalation.objects.filter(
            complaint__in=waiting, status__in=AWAITING_STATUSES, due_at__isnull=False
        ).values_list("complaint_id", "due_at", "deadline_working_days")
    }
    calendar = workdays.WorkingCalendar()
    for complaint in waiting:
        complaint.due = due_for(
            complaint.next_due_at,
            now=now,
            working_days=working.get((complaint.pk, complaint.next_due_at), False),
            calendar=calendar,
        )
