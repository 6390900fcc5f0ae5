"""What the complaint page needs for its "Escalations" section (templates/escalations/_escalations.html).

complaints.views._detail_context merges `escalation_panel(user, complaint)` into its
context, so that app does not need to know about escalations, forms or letters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language

from complaints import permissions
from complaints.models import Complaint
from regulators.routing import route_for_complaint

from . import workdays
from .conduct import breaches_for_complaint
from .forms import AcknowledgeForm, AnswerForm, CloseEscalationForm, EscalationForm, MarkSentForm
from .models import AWAITING_STATUSES, EscalationStatus


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


def escalation_panel(
    user: Any, complaint: Complaint, *, now: datetime | None = None, route: list[Any] | None = None
) -> dict[str, Any]:
    """One context key, `escalation_panel`, for the complaint page (which passes the route
    it has already worked out)."""
    now = now or timezone.now()
    can_update = permissions.can_update_escalation(user, complaint)
    rows = []
    for escalation in complaint.escalations.select_related(
        "lender", "regulator", "institution", "answer_document"
    ):
        pk, status = escalation.pk, escalation.status
        rows.append(
            {
                "escalation": escalation,
                "late": status == EscalationStatus.OVERDUE or escalation.is_late(now),
                # Why the due date is only an estimate, while it still matters.
                "estimate": workdays.estimate_reason(escalation.due_at)
                if status in AWAITING_STATUSES
                else "",
                "sent_form": MarkSentForm(auto_id=f"sent{pk}_%s")
                if can_update and status == EscalationStatus.DRAFTED
                else None,
                "ack_form": AcknowledgeForm(auto_id=f"ack{pk}_%s")
                if can_update and status == EscalationStatus.SENT
                else None,
                "answer_form": AnswerForm(auto_id=f"answer{pk}_%s")
                if can_update and status in AWAITING_STATUSES
                else None,
                "close_form": CloseEscalationForm(auto_id=f"close{pk}_%s")
                if can_update and status != EscalationStatus.CLOSED
                else None,
            }
        )
    targets = route_targets(complaint, route)
    form = None
    if permissions.can_record_escalation(user, complaint) and targets:
        # The next step is the first one the complaint has not been sent to.
        done = {row["escalation"].target_key for row in rows}
        next_key = next((key for key, _label in targets if key not in done), targets[0][0])
        form = EscalationForm(targets=targets, auto_id="escalation_%s", initial={"target": next_key})
    return {
        "escalation_panel": {
            "rows": rows,
            "form": form,
            "letters": targets,
            "now": now,
        }
    }


def complaint_section(request: Any, complaint: Complaint, page: dict[str, Any]) -> dict[str, Any]:
    """The complaint page's route, conduct badges and escalations (registered in
    complaints/page.py)."""
    incidents = page["incidents"]
    route = route_for_complaint(complaint, kinds=[i.kind for i in incidents])
    return {
        # Which collection-conduct rules each incident breaks (badges under each incident).
        "breaches": breaches_for_complaint(complaint, incidents=incidents),
        "route": route,
        **escalation_panel(request.user, complaint, route=route),
    }
