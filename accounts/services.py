from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import Consent, Role, User
from .notice import NOTICE_VERSION


@transaction.atomic
def user_sign_up(
    *, phone: str, password: str, email: str = "", display_name: str = "", language: str = "zh-hans"
) -> User:
    """A new borrower. The phone number doubles as the username, so either logs in."""
    user = User(
        username=phone,
        phone=phone,
        email=email,
        display_name=display_name,
        role=Role.BORROWER,
        language=language,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    consent_record(user=user, purpose=Consent.Purpose.PROCESSING)
    return user


def consent_record(*, user: User, purpose: str, now: Any = None) -> Consent:
    """Record a consent to the current notice; giving it twice keeps the first moment."""
    consent, _created = Consent.objects.get_or_create(
        user=user,
        purpose=purpose,
        notice_version=NOTICE_VERSION,
        defaults={"given_at": now or timezone.now()},
    )
    return consent


def has_consented(user: User, purpose: str) -> bool:
    return Consent.objects.filter(user=user, purpose=purpose, notice_version=NOTICE_VERSION).exists()
