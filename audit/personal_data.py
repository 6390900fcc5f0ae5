"""The audit trail's share of a person's data (accounts/privacy.py): the rows stay (the
fact and time of each access is the trail), who acted is reduced to their role."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts.privacy import Erased, PersonalData

from .models import AuditEvent


def erase(user: Any, now: datetime) -> Erased:
    AuditEvent.objects.filter(actor=user).update(actor_label=str(user.get_role_display()), actor=None)
    return Erased()


PART = PersonalData(name="audit", erase=erase, models=("audit.AuditEvent",))
