"""A six-digit code sent by SMS and waited for in the session: what sign-up
(accounts/signup.py) and the password reset by SMS (accounts/password_sms.py) share.

The session keeps the code's keyed digest, never the code, with its expiry and the wrong
tries so far. Each code sent counts against the number and the address (lib.ratelimit).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lib import ratelimit
from lib.responses import too_many_requests
from lib.sms import sms_shown_on_page

from .services import SignUpChallenge

logger = logging.getLogger(__name__)

CODE_SECONDS = 10 * 60
CODE_ATTEMPTS = 5
# Lazy: the module is imported before a language is active.
NEW_SMS = gettext_lazy("We sent a new SMS. Codes sent before no longer work.")


def code_send(
    request: HttpRequest,
    pending: dict[str, Any],
    *,
    session_key: str,
    scope: str,
    send: Callable[[str], SignUpChallenge],
) -> bool:
    """Send a (new) code to `pending["phone"]` through `send`, counted per number and per
    address under `scope`, and keep it in the session. False when the limits are reached
    (the caller answers 429). Raises what the SMS backend raises."""
    if not ratelimit.allow(request, scope, account=pending["phone"]):
        return False
    challenge = send(pending["phone"])
    pending.update(
        nonce=challenge.nonce,
        digest=challenge.digest,
        expires=timezone.now().timestamp() + CODE_SECONDS,
        attempts=0,
    )
    pending.pop("dev_sms", None)
    if sms_shown_on_page():
        pending["dev_sms"] = challenge.text
    request.session[session_key] = pending
    return True


def code_unusable(pending: dict[str, Any]) -> str:
    """Why no code can be tried now ("" when one can)."""
    if pending["attempts"] >= CODE_ATTEMPTS:
        return _("Too many wrong codes. Ask for a new SMS below.")
    if timezone.now().timestamp() > pending["expires"]:
        return _("This code has expired. Ask for a new SMS below.")
    return ""


def code_wrong(request: HttpRequest, pending: dict[str, Any], *, session_key: str) -> str:
    """Count a wrong code; what to tell the person."""
    pending["attempts"] += 1
    request.session[session_key] = pending
    left = CODE_ATTEMPTS - pending["attempts"]
    if left:
        return _("That code is not right. Tries left: %(left)d.") % {"left": left}
    return _("Too many wrong codes. Ask for a new SMS below.")


def sms_failed(request: HttpRequest) -> None:
    logger.exception("an SMS code could not be sent")
    messages.error(request, _("We could not send the SMS just now. Please try again in a minute."))


def send_and_answer(
    request: HttpRequest, send: Callable[[], bool], *, then: str, sent_message: Any = ""
) -> HttpResponse | None:
    """Send a code (`send` is one of the flows' senders) and answer as both flows do:
    429 over the limit, on to `then` once sent, and None when the gateway failed, so the
    caller shows its page again with what was typed and the message about the failure."""
    try:
        sent = send()
    except Exception:  # noqa: BLE001 - a gateway may raise anything; the person is told
        sms_failed(request)
        return None
    if not sent:
        return too_many_requests(request)
    if sent_message:
        messages.success(request, str(sent_message))
    return redirect(then)


def dev_sms(pending: dict[str, Any]) -> str | None:
    # Checked again here: a session from a DEBUG run must not carry it into production.
    return pending.get("dev_sms") if sms_shown_on_page() else None
