from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from lib.phones import is_mainland_mobile, normalize_phone

from .models import User


class LoginForm(AuthenticationForm):
    """Django's login form; `username` accepts a mobile number, an email or a username."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Mobile number, email or username")
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.error_messages["invalid_login"] = _(
            "That account and password do not match. Check both and try again."
        )
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Log in"), css_class="w-100"))


class SignUpForm(forms.Form):
    """Step 1 of sign-up. A plain Form, not a ModelForm: a ModelForm checks the model's
    unique constraints, and "already exists" would tell anyone (a collector, say) whether
    a borrower's number or email has an account. The number is proven by an SMS code
    first (accounts/signup.py); the email is looked at only then."""

    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_("A mainland China mobile number, for example 138 0013 8000."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        help_text=_("Lets you reset your password and receive reminders by email."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    display_name = User._meta.get_field("display_name").formfield()
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters. A short sentence is easy to remember."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    accept_notice = forms.BooleanField(
        label=_("I have read how my information is handled and agree to it."),
        error_messages={"required": _("Please read the notice above and tick the box to continue.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Continue: send me a code by SMS"), css_class="w-100"))

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data["phone"])
        if not is_mainland_mobile(phone):
            raise forms.ValidationError(_("Enter a mainland China mobile number: 11 digits starting with 1."))
        return phone

    def clean_email(self) -> str:
        return (self.cleaned_data.get("email") or "").strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif p1:
            candidate = User(
                username=cleaned.get("phone") or "",
                phone=cleaned.get("phone"),
                email=cleaned.get("email") or "",
                display_name=cleaned.get("display_name") or "",
            )
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as e:
                self.add_error("password1", e)
        return cleaned


class SignUpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Create my account"), css_class="w-100"))

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (len(code) == 6 and code.isdigit()):
            raise forms.ValidationError(_("Enter the 6 digits from the SMS."))
        return code
