"""Sign-up in two steps, so that nobody learns from it whether a number has an account.

Step 1 takes the form and always answers the same way, "we sent an SMS to 138****8000":
a number without an account gets a six-digit code, a number with one gets a message
telling its owner that someone tried (services.signup_code_send). Step 2 takes the code;
the right one proves the number belongs to the person typing, and only then is the
account made. What was typed waits in the session (the password already hashed), with
the code's keyed digest, its expiry and the wrong tries so far.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lib.phones import mask_phone

from . import services, sms_codes
from .forms import SignUpCodeForm, SignUpForm
from .models import User

logger = logging.getLogger(__name__)

PENDING = "signup_pending"


def _send_code(request: HttpRequest, pending: dict[str, Any]) -> bool:
    return sms_codes.code_send(
        request,
        pending,
        session_key=PENDING,
        scope="signup",
        send=lambda phone: services.signup_code_send(phone=phone),
    )


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("complaints:mine")
    pending = request.session.get(PENDING)
    # Back from step 2 ("change the number"): what was typed is still there, passwords aside.
    initial = {k: pending.get(k, "") for k in ("phone", "email", "display_name")} if pending else None
    form = SignUpForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pending = {
            "phone": data["phone"],
            "email": data.get("email", ""),
            "display_name": data.get("display_name", ""),
            "password_hash": make_password(data["password1"]),
            "language": "en" if (get_language() or "").startswith("en") else "zh-hans",
        }
        answer = sms_codes.send_and_answer(
            request, lambda: _send_code(request, pending), then="signup_verify"
        )
        if answer is not None:
            return answer
    return render(request, "registration/signup.html", {"form": form})


def signup_verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("complaints:mine")
    pending = request.session.get(PENDING)
    if not pending or "digest" not in pending:
        return redirect("signup")
    if request.method == "POST" and "resend" in request.POST:
        return sms_codes.send_and_answer(
            request,
            lambda: _send_code(request, pending),
            then="signup_verify",
            sent_message=sms_codes.NEW_SMS,
        ) or redirect("signup_verify")
    form = SignUpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = _check_code(request, pending, form)
        if user is not None:
            request.session.pop(PENDING, None)
            login(request, user, backend="accounts.backends.PhoneEmailOrUsernameBackend")
            messages.success(request, _("Welcome. Your account is ready; you can file a complaint now."))
            return redirect("complaints:create")
    context = {
        "form": form,
        "masked_phone": mask_phone(pending["phone"]),
        "dev_sms": sms_codes.dev_sms(pending),
    }
    return render(request, "registration/signup_verify.html", context)


def _check_code(request: HttpRequest, pending: dict[str, Any], form: SignUpCodeForm) -> User | None:
    """The account, if the code is right and still valid; otherwise None, with the reason on the form."""
    problem = sms_codes.code_unusable(pending)
    if problem:
        form.add_error("code", problem)
        return None
    digest = services.signup_code_digest(
        nonce=pending["nonce"], phone=pending["phone"], code=form.cleaned_data["code"]
    )
    user = None
    if constant_time_compare(digest, pending["digest"]):
        user = _create_account(request, pending)
    if user is None:
        form.add_error("code", sms_codes.code_wrong(request, pending, session_key=PENDING))
    return user


def _create_account(request: HttpRequest, pending: dict[str, Any]) -> User | None:
    email = pending["email"]
    if email and User.objects.filter(email__iexact=email).exists():
        # Said only now, to someone who has just proven a number without an account, and
        # who gets that account whatever the answer: a costly way to test emails.
        messages.warning(
            request,
            _(
                "The email you gave was not added: another account uses it. "
                "If that account is yours, you can log in with it."
            ),
        )
        email = ""
    try:
        return services.user_sign_up(
            phone=pending["phone"],
            password_hash=pending["password_hash"],
            email=email,
            display_name=pending["display_name"],
            language=pending["language"],
        )
    except (ValidationError, IntegrityError):
        # The number got an account in the meantime (another tab, another person's
        # attempt): the same answer as a wrong code.
        return None
