"""What accounts itself erases besides the user row (accounts/privacy.py): the sign-in
records django-axes keeps under the username, which for borrowers is their number.
Consents and two-step devices go with the user row (on_delete CASCADE)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog

from .privacy import Erased, PersonalData


def erase(user: Any, now: datetime) -> Erased:
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username=user.username).delete()
    return Erased()


PART = PersonalData(
    name="accounts",
    erase=erase,
    models=("accounts.Consent", "otp_totp.TOTPDevice", "axes.AccessAttempt", "axes.AccessLog"),
)
