from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import permissions, services
from .forms import SignUpForm


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("complaints:mine")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        language = "en" if (get_language() or "").startswith("en") else "zh-hans"
        user = services.user_sign_up(
            phone=form.cleaned_data["phone"],
            password=form.cleaned_data["password1"],
            email=form.cleaned_data.get("email", ""),
            display_name=form.cleaned_data.get("display_name", ""),
            language=language,
        )
        login(request, user, backend="accounts.backends.PhoneEmailOrUsernameBackend")
        messages.success(request, _("Welcome. Your account is ready; you can file a complaint now."))
        return redirect("complaints:create")
    return render(request, "registration/signup.html", {"form": form})


def after_login(request: HttpRequest) -> HttpResponse:
    """Each role lands where its work is: advocates at the queue, borrowers at their complaints."""
    if permissions.is_caseworker(request.user):
        return redirect("cases:queue")
    return redirect("complaints:mine")
