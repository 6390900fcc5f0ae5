from __future__ import annotations

from collections.abc import Callable
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

_SESSION_KEY = "last_activity"
# Writing the session on every request would cost a database write per page.
_TOUCH_EVERY_SECONDS = 60


def may_be_logged_in(request: HttpRequest) -> bool:
    """Without a session cookie nobody is logged in: middleware can skip loading the user,
    which costs time on every anonymous request."""
    session = getattr(request, "session", None)
    return session is None or session.session_key is not None


# Only its verification methods are used: they are what its own layer runs per request.
_otp = OTPMiddleware(lambda request: None)


class VerifiedUserMiddleware(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware and django-otp's OTPMiddleware in one layer.

    Together they wrapped every request's user twice (two lazy objects, two layers), a
    tenth of the middleware's cost on a page that never looks at the user (`make bench`,
    the tiny page). Here one lazy object loads the user and marks whether this session
    passed the second step, with django-otp's own code: `request.user.otp_device` and
    `request.user.is_verified()` are as django-otp sets them.
    """

    def process_request(self, request: HttpRequest) -> None:
        if not hasattr(request, "session"):
            raise ImproperlyConfigured(
                "VerifiedUserMiddleware needs SessionMiddleware before it in MIDDLEWARE."
            )
        request.user = QuickLazyObject(lambda: _verified(request))
        request.auser = partial(_otp._verify_user_async_via_auser, request, partial(auser, request))


def _verified(request: HttpRequest) -> Any:
    return _otp._verify_user_sync(request, get_user(request))


class CaseworkerIdleTimeoutMiddleware:
    """Ends an advocate's or admin's session after a period without requests.

    They can open other people's cases, so a laptop left open in a shared office must not
    stay logged in. Borrowers keep Django's normal session length.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if may_be_logged_in(request) and permissions.is_caseworker(request.user):
            now = timezone.now().timestamp()
            last = request.session.get(_SESSION_KEY)
            if last is not None and now - last > settings.CASEWORKER_IDLE_TIMEOUT.total_seconds():
                logout(request)
                messages.info(
                    request, _("You were logged out after a period of inactivity. Please log in again.")
                )
                return redirect_to_login(request.get_full_path())
            if last is None or now - last > _TOUCH_EVERY_SECONDS:
                request.session[_SESSION_KEY] = now
        return self.get_response(request)
