"""The directory's share of a person's data (accounts/privacy.py): the record of its
changes stays (what changed and when is the point of it); who made each one is reduced
to their role, as in the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts.privacy import Erased, PersonalData

from .models import RegulatorChange


def erase(user: Any, now: datetime) -> Erased:
    RegulatorChange.objects.filter(actor=user).update(actor_label=str(user.get_role_display()), actor=None)
    return Erased()


PART = PersonalData(name="regulators", erase=erase, models=("regulators.RegulatorChange",))
