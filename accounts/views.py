from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lib import ratelimit
from lib.responses import too_many_requests

from . import permissions
from . import privacy as privacy_services
from .notice import NOTICE_VERSION


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, limited per account and per address: each request may send an email.

    The account is the address as typed (normalised), whether or not an account has it,
    so the limit answers the same for registered and unknown addresses.
    """

    def form_valid(self, form: Any) -> HttpResponse:
        typed = form.cleaned_data["email"].strip().lower()
        if not ratelimit.allow(self.request, "password_reset", account=f"email:{typed}"):
            return too_many_requests(self.request)
        return super().form_valid(form)


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
