from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from lib.sms import sms_backend

from . import events
from .devices import forget_device_answer
from .models import Consent, Role, User
from .notice import NOTICE_VERSION


class TwoFactorError(Exception):
    """A two-step login change that is not allowed; the message is for the user."""


@transaction.atomic
def user_sign_up(
    *,
    phone: str,
    password: str = "",
    password_hash: str = "",
    email: str = "",
    display_name: str = "",
    language: str = "zh-hans",
) -> User:
    """A new borrower. The phone number doubles as the username, so either logs in.

    The caller has proven the number (an SMS code, accounts/signup.py). `password_hash`
    is a password hashed earlier, so that the plain one never waits in a session.
    """
    user = User(
        username=phone,
        phone=phone,
        email=email,
        display_name=display_name,
        role=Role.BORROWER,
        language=language,
    )
    if password_hash:
        user.password = password_hash
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    consent_record(user=user, purpose=Consent.Purpose.PROCESSING)
    return user


# The consents a session has seen recorded, each as "user id:purpose:notice version".
CONSENTS_SESSION_KEY = "consents_seen"


def _consent_mark(user: User, purpose: str) -> str:
    return f"{user.pk}:{purpose}:{NOTICE_VERSION}"


def consent_record(*, user: User, purpose: str, now: Any = None, session: Any = None) -> Consent:
    """Record a consent to the current notice; giving it twice keeps the first moment.
    `session`: the request's, which then remembers it (see has_consented)."""
    consent, _created = Consent.objects.get_or_create(
        user=user,
        purpose=purpose,
        notice_version=NOTICE_VERSION,
        defaults={"given_at": now or timezone.now()},
    )
    user.__dict__.setdefault("_consented", set()).add(purpose)
    if session is not None:
        _consent_remember(session, user, purpose)
    return consent


def _consent_remember(session: Any, user: User, purpose: str) -> None:
    seen = session.get(CONSENTS_SESSION_KEY, [])
    mark = _consent_mark(user, purpose)
    if mark not in seen:
        session[CONSENTS_SESSION_KEY] = [*seen, mark]


def has_consented(user: User, purpose: str, *, session: Any = None) -> bool:
    """Asked by the filing form and again by the submission it leads to: the answer is
    kept on the user object for the rest of the request. With the request's `session`,
    a consent found is also kept there, and not asked of the database again in that
    session (a filing's one query of its own, `make bench`). That is safe because no
    page withdraws a consent: it ends only with its person (account_delete), and the
    mark names the person, by an id never given again, and the notice's version, so a
    new notice, or anyone else in the same browser, is asked again."""
    known = user.__dict__.setdefault("_consented", set())
    if purpose in known:
        return True
    if session is not None and _consent_mark(user, purpose) in session.get(CONSENTS_SESSION_KEY, ()):
        known.add(purpose)
        return True
    if Consent.objects.filter(user=user, purpose=purpose, notice_version=NOTICE_VERSION).exists():
        known.add(purpose)
        if session is not None:
            _consent_remember(session, user, purpose)
    return purpose in known


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
    forget_device_answer(user.pk)
    events.security_event_emit(
        events.SecurityEvent(
            user=user,
            kind=events.TWO_FACTOR_REPLACED if existing else events.TWO_FACTOR_ADDED,
            at=now,
        )
    )
    return device


@dataclass(frozen=True)
class SignUpChallenge:
    nonce: str
    digest: str
    text: str  # what the SMS said: shown on the page in development only (lib.sms)


def sms_code_digest(*, purpose: str, nonce: str, phone: str, code: str) -> str:
    # Keyed with SECRET_KEY: a leaked session alone does not give the six digits away.
    # The purpose keys it too, so that a sign-up code never resets a password.
    return salted_hmac(f"accounts.{purpose}-code", f"{nonce}:{phone}:{code}", algorithm="sha256").hexdigest()


def signup_code_digest(*, nonce: str, phone: str, code: str) -> str:
    return sms_code_digest(purpose="signup", nonce=nonce, phone=phone, code=code)


def _new_code() -> tuple[str, str]:
    return f"{secrets.randbelow(10**6):06d}", secrets.token_hex(8)


def signup_code_send(*, phone: str) -> SignUpChallenge:
    """Text a sign-up code to a number without an account; to a number with one, tell its
    owner that someone tried to sign up with it, and how to log in instead.

    Both branches make a code, look the number up once and send one SMS, so that neither
    the page nor its timing tells the person asking which it was; the code of the second
    branch is sent to nobody, so it can never be entered. Raises what the SMS backend raises.
    """
    code, nonce = _new_code()
    owner_language = (
        User.objects.filter(Q(phone=phone) | Q(username=phone)).values_list("language", flat=True).first()
    )
    site = settings.SITE_URL.rstrip("/")
    if owner_language is None:
        text = _(
            "Your sign-up code is %(code)s. It is valid for 10 minutes. Do not give it to anyone: "
            "nobody from this service will ask you for it."
        ) % {"code": code}
    else:
        with translation.override(owner_language):
            text = _(
                "Someone tried to create an account on %(site)s with this number, which already has "
                "one. To use it, log in at %(url)s (forgot the password? reset it by SMS at "
                "%(reset)s). If it was not you, ignore this message."
            ) % {
                "site": urlsplit(site).netloc or site,
                "url": site + reverse("login"),
                "reset": site + reverse("password_reset_sms"),
            }
    sms_backend().send(phone, text)
    return SignUpChallenge(
        nonce=nonce, digest=signup_code_digest(nonce=nonce, phone=phone, code=code), text=text
    )


def password_reset_code_send(*, phone: str) -> SignUpChallenge:
    """Text a password-reset code to a number with an account; to a number without one,
    say that it has none and where to sign up.

    Like signup_code_send, both branches make a code, look the number up once and send
    one SMS: the page that follows is the same for both, and so is its timing. The code
    of the second branch is sent to nobody. Raises what the SMS backend raises.
    """
    code, nonce = _new_code()
    owner_language = (
        User.objects.filter(Q(phone=phone) | Q(username=phone), is_active=True)
        .values_list("language", flat=True)
        .first()
    )
    site = settings.SITE_URL.rstrip("/")
    if owner_language is not None:
        with translation.override(owner_language):
            text = _(
                "Your code to choose a new password is %(code)s. It is valid for 10 minutes. Do "
                "not give it to anyone: nobody from this service will ask you for it. If you did "
                "not ask for it, ignore this message; your password stays as it is."
            ) % {"code": code}
    else:
        text = _(
            "Someone asked to reset the password of an account on %(site)s with this number, "
            "but no account has it. To open one, go to %(url)s. If it was not you, ignore this "
            "message."
        ) % {"site": urlsplit(site).netloc or site, "url": site + reverse("signup")}
    sms_backend().send(phone, text)
    return SignUpChallenge(
        nonce=nonce,
        digest=sms_code_digest(purpose="password-reset", nonce=nonce, phone=phone, code=code),
        text=text,
    )


def user_reset_password(*, phone: str, password: str) -> User | None:
    """Set a new password for the account with `phone`, once its SMS code was proven.

    None when no active account has the number (it went away meanwhile). Every session of
    the account ends: whoever knew the old password is logged out.
    """
    user = User.objects.filter(Q(phone=phone) | Q(username=phone), is_active=True).first()
    if user is None:
        return None
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
