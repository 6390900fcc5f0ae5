from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import AuthenticationMiddleware, auser, get_user
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.middleware import OTPMiddleware

from lib.middleware import QuickLazyObject

from . import permissions
from .two_factor import two_factor_gate

_SESSION_KEY = "last_activity"
# Writing the session on every request would cost a database write per page.
_TOUCH_EVERY_SECONDS = 60


# Only its verification methods are used: they are what its own layer runs per request.
_otp = OTPMiddleware(lambda request: None)


class AccountMiddleware(AuthenticationMiddleware):
    """Who is asking, in one layer: Django's AuthenticationMiddleware and django-otp's
    OTPMiddleware, then the idle timeout of caseworkers and the two-step gate.

    They were four layers, two of them wrapping every request's user in a lazy object of
    its own; each layer costs every request its call and Django's exception wrapper, even
    a visitor's with no session (`make bench`, the tiny page). Here one lazy object loads
    the user and marks whether this session passed the second step, with django-otp's own
    code: `request.user.otp_device` and `request.user.is_verified()` are as django-otp
    sets them. It sits after the message, frame and policy layers, so that the redirects
    it answers with carry their message and headers; none of those layers reads the user.
    """

    # Synchronous only, as the idle timeout and the two-step gate always were: under ASGI,
    # Django adapts the layer rather than awaiting what this __call__ returns.
    async_capable = False

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not hasattr(request, "session"):
            raise ImproperlyConfigured("AccountMiddleware needs SessionMiddleware before it in MIDDLEWARE.")
        request.user = QuickLazyObject(lambda: _verified(request))
        request.auser = partial(_otp._verify_user_async_via_auser, request, partial(auser, request))
        if request.session.session_key is None:
            # Without a session cookie nobody is logged in: nothing to time out or gate.
            return self.get_response(request)
        return _idle_timeout(request) or two_factor_gate(request) or self.get_response(request)


def _verified(request: HttpRequest) -> Any:
    return _otp._verify_user_sync(request, get_user(request))


def _idle_timeout(request: HttpRequest) -> HttpResponse | None:
    """Ends an advocate's or admin's session after a period without requests.

    They can open other people's cases, so a laptop left open in a shared office must not
    stay logged in. Borrowers keep Django's normal session length.
    """
    if not permissions.is_caseworker(request.user):
        return None
    now = timezone.now().timestamp()
    last = request.session.get(_SESSION_KEY)
    if last is not None and now - last > settings.CASEWORKER_IDLE_TIMEOUT.total_seconds():
        logout(request)
        messages.info(request, _("You were logged out after a period of inactivity. Please log in again."))
        return redirect_to_login(request.get_full_path())
    if last is None or now - last > _TOUCH_EVERY_SECONDS:
        request.session[_SESSION_KEY] = now
    return None
