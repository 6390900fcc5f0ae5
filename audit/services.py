from __future__ import annotations

from typing import Any

from accounts import events

from .models import Action, AuditEvent


def audit_record(*, actor: Any, action: str, complaint: Any = None, detail: str = "") -> AuditEvent:
    """Append one event. Borrowers' IP addresses are deliberately not recorded: the
    people this product serves should leave as little trace as possible."""
    label = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        label = f"{actor.get_role_display()}: {actor.username}"
    else:
        actor = None
    return AuditEvent.objects.create(
        actor=actor, actor_label=label[:160], action=action, complaint=complaint, detail=detail[:300]
    )


def audit_security_event(event: events.SecurityEvent) -> None:
    """Listener for account events (registered in `AuditConfig.ready`)."""
    if event.kind == events.DATA_EXPORTED:
        audit_record(actor=event.user, action=Action.EXPORT_DATA)
    elif event.kind in events.TWO_FACTOR_KINDS:
        audit_record(actor=event.user, action=Action.TWO_FACTOR_CHANGE, detail=event.kind)
