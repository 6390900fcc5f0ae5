"""Two-factor authentication with TOTP (django-otp): available to everyone, required for
advocates and admins, who can open other people's cases."""

from __future__ import annotations

import base64
from io import BytesIO

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import permissions, services
from .devices import has_confirmed_device


def two_factor_required(user: object) -> bool:
    """Caseworkers must use it; anyone who set it up has chosen to."""
    if not getattr(user, "is_authenticated", False):
        return False
    if permissions.is_caseworker(user) and settings.TWO_FACTOR_REQUIRED_FOR_CASEWORKERS:
        return True
    return has_confirmed_device(user)


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]  # drop the XML declaration: it is embedded in HTML


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("after_login")


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Turn two-step login on, or replace the phone it uses.

    Someone who already has a device and has not passed the second step in this session
    only ever gets the verify step: showing them a fresh secret would let the password
    alone enrol a new phone (and so skip the code).
    """
    replacing = has_confirmed_device(request.user)
    if replacing and not request.user.is_verified():
        return redirect(f"{reverse('two_factor_verify')}?{urlencode({'next': _next_url(request)})}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
    if request.method == "POST":
        try:
            services.two_factor_device_confirm(
                user=request.user,
                device=device,
                token=(request.POST.get("token") or "").strip(),
                current_token=(request.POST.get("current_token") or "").strip(),
                session_verified=request.user.is_verified(),
                now=timezone.now(),
            )
        except services.TwoFactorError as error:
            messages.error(request, str(error))
        else:
            django_otp.login(request, device)
            if replacing:
                messages.success(request, _("Your authenticator was replaced. The old one no longer works."))
            else:
                messages.success(request, _("Two-step login is on. Keep your phone's authenticator app."))
            return redirect(_next_url(request))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "qr": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - SVG made by qrcode from our own URL
            "secret": secret,
            "next": _next_url(request),
            "replacing": replacing,
        },
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        token = (request.POST.get("token") or "").strip()
        for device in devices_for_user(request.user, confirmed=True):
            if device.verify_token(token):
                django_otp.login(request, device)
                return redirect(_next_url(request))
        messages.error(
            request, _("That code is not right. Check the time on your phone and try the newest code.")
        )
    return render(request, "accounts/two_factor_verify.html", {"next": _next_url(request)})


_OPEN_PREFIXES = ("/static/", "/i18n/", "/healthz", "/accounts/logout/", "/accounts/two-factor/")


def two_factor_gate(request: HttpRequest) -> HttpResponse | None:
    """Until the second step is done, a user who needs it reaches only the pages that do
    it (accounts.middleware.AccountMiddleware, for a request that may be logged in)."""
    user = request.user
    if (
        user.is_authenticated
        and not request.path.startswith(_OPEN_PREFIXES)
        and not user.is_verified()
        and two_factor_required(user)
    ):
        target = "two_factor_verify" if has_confirmed_device(user) else "two_factor_setup"
        return redirect(f"{reverse(target)}?next={request.get_full_path()}")
    return None
