"""Notifications' share of a person's data (accounts/privacy.py). Reminders, their
deliveries and the preference go with the account (on_delete CASCADE)."""

from __future__ import annotations

from typing import Any

from accounts.privacy import PersonalData, iso

from .models import Reminder


def export(user: Any) -> dict[str, Any]:
    return {
        "notifications": [
            {"title": r.title, "body": r.body, "created": iso(r.created), "read": iso(r.read_at)}
            for r in Reminder.objects.filter(recipient=user)
        ]
    }


PART = PersonalData(
    name="notifications",
    export=export,
    models=("notifications.Reminder", "notifications.Delivery", "notifications.Preference"),
)
