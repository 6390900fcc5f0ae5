"""Choosing a new password with a code sent by SMS to the account's number.

Email is optional at sign-up, so the email reset alone leaves a phone-only borrower
locked out. Step 1 takes a number and always answers the same way, "we sent an SMS to
138****8000": a number with an account gets a code, one without gets a message saying
so (services.password_reset_code_send). Step 2 takes the code and the new password
together; the code is checked like sign-up's (accounts/sms_codes.py), keyed for this
purpose only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import password_validation
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lib.phones import is_mainland_mobile, mask_phone, normalize_phone

from . import services, sms_codes
from .forms import SignUpCodeForm

PENDING = "password_reset_sms"
SCOPE = "password_reset_sms"


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Mobile number of your account"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data["phone"])
        if not is_mainland_mobile(phone):
            raise forms.ValidationError(_("Enter a mainland China mobile number: 11 digits starting with 1."))
        return phone


class NewPasswordForm(SignUpCodeForm):
    new_password1 = forms.CharField(
        label=gettext_lazy("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("At least 10 characters. A short sentence is easy to remember."),
    )
    new_password2 = forms.CharField(
        label=gettext_lazy("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper.inputs[0].value = _("Save the new password")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        p1, p2 = cleaned.get("new_password1"), cleaned.get("new_password2")
        if p1 and p2 and p1 != p2:
            self.add_error("new_password2", _("The two passwords are not the same."))
        elif p1:
            try:
                password_validation.validate_password(p1)
            except forms.ValidationError as e:
                self.add_error("new_password1", e)
        return cleaned


def _send(request: HttpRequest, pending: dict[str, Any]) -> bool:
    return sms_codes.code_send(
        request,
        pending,
        session_key=PENDING,
        scope=SCOPE,
        send=lambda phone: services.password_reset_code_send(phone=phone),
    )


def password_reset_sms(request: HttpRequest) -> HttpResponse:
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pending = {"phone": form.cleaned_data["phone"]}
        answer = sms_codes.send_and_answer(
            request, lambda: _send(request, pending), then="password_reset_sms_confirm"
        )
        if answer is not None:
            return answer
    return render(request, "registration/password_reset_sms.html", {"form": form})


def password_reset_sms_confirm(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    if not pending or "digest" not in pending:
        return redirect("password_reset_sms")
    if request.method == "POST" and "resend" in request.POST:
        return sms_codes.send_and_answer(
            request,
            lambda: _send(request, pending),
            then="password_reset_sms_confirm",
            sent_message=sms_codes.NEW_SMS,
        ) or redirect("password_reset_sms_confirm")
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        problem = sms_codes.code_unusable(pending)
        user = None
        if not problem:
            digest = services.sms_code_digest(
                purpose="password-reset",
                nonce=pending["nonce"],
                phone=pending["phone"],
                code=form.cleaned_data["code"],
            )
            if constant_time_compare(digest, pending["digest"]):
                user = services.user_reset_password(
                    phone=pending["phone"], password=form.cleaned_data["new_password1"]
                )
            if user is None:
                problem = sms_codes.code_wrong(request, pending, session_key=PENDING)
        if user is not None:
            request.session.pop(PENDING, None)
            messages.success(request, _("Your password was changed. Log in with the new one."))
            return redirect("login")
        form.add_error("code", problem)
    context = {
        "form": form,
        "masked_phone": mask_phone(pending["phone"]),
        "dev_sms": sms_codes.dev_sms(pending),
    }
    return render(request, "registration/password_reset_sms_confirm.html", context)
