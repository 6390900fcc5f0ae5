from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import Action
from audit.services import audit_record
from lib import ratelimit
from lib.responses import too_many_requests

from . import permissions, services
from . import privacy as privacy_services
from .forms import SignUpForm
from .notice import NOTICE_VERSION


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("complaints:mine")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and not ratelimit.allow(request, "signup"):
        return too_many_requests(request)
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


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/privacy.html", {"version": NOTICE_VERSION})


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/my_data.html")


@login_required
def my_data_export(request: HttpRequest) -> HttpResponse:
    audit_record(actor=request.user, action=Action.EXPORT_DATA)
    response = StreamingHttpResponse(
        privacy_services.stream_export(request.user), content_type="application/zip"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"my-data-{timezone.localdate():%Y%m%d}.zip"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def my_data_delete(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.check_password(request.POST.get("password", "")):
        messages.error(request, _("The password is not right; nothing was deleted."))
        return redirect("my_data")
    if permissions.is_caseworker(user):
        # Their notes and reviews are part of other people's cases: an admin hands them over first.
        messages.error(request, _("Advocate and administrator accounts are closed by an administrator."))
        return redirect("my_data")
    result = privacy_services.account_delete(user=user)
    logout(request)
    return render(
        request,
        "accounts/deleted.html",
        {"kept": result["complaints_kept_anonymously"], "files": result["files_erased"]},
    )
