from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import events
from .models import Consent, Role, User
from .notice import NOTICE_VERSION


class TwoFactorError(Exception):
    """A two-step login change that is not allowed; the message is for the user."""


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


@transaction.atomic
def two_factor_device_confirm(
    *,
    user: User,
    device: TOTPDevice,
    token: str,
    current_token: str = "",
    session_verified: bool,
    now: datetime,
) -> TOTPDevice:
    """Turn on `device` (the user's own, unconfirmed) once it shows a right code.

    A user who already has a confirmed device replaces it, and only from a session that
    passed the second step AND with a current code from that device: otherwise the
    password alone could enrol an attacker's phone and stand in for the verify step.
    The old devices are removed (one phone at a time: a lost phone must stop working).
    Writes an audit entry and tells the user, through the account's event listeners.
    """
    if device.user_id != user.pk or device.confirmed:
        raise TwoFactorError(_("This setup is no longer valid. Start again."))
    existing = list(devices_for_user(user, confirmed=True))
    if existing:
        if not session_verified:
            raise TwoFactorError(_("Log in with your current code first."))
        if not any(old.verify_token(current_token) for old in existing):
            raise TwoFactorError(
                _("The code from your current authenticator is not right. Try its newest code.")
            )
    if not device.verify_token(token):
        raise TwoFactorError(
            _("That code is not right. Check the time on your phone and try the newest code.")
        )
    for old in existing:
        old.delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    events.security_event_emit(
        events.SecurityEvent(
            user=user,
            kind=events.TWO_FACTOR_REPLACED if existing else events.TWO_FACTOR_ADDED,
            at=now,
        )
    )
    return device
