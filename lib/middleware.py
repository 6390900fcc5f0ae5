"""Leaner versions of library parts that every page pays for (`make bench`: the tiny page).

The Content-Security-Policy header is built once instead of on every response, where
django-csp rebuilt the same string from the settings each time. No page here uses a
nonce, and the few responses that change the policy (evidence downloads set their own
header; django-csp's decorators mark responses with `_csp_*` attributes) still go through
django-csp's own path, so its behaviour is unchanged.
"""

from __future__ import annotations

from typing import Any

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.contrib.messages.storage.base import BaseStorage
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core import signing
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property

_CUSTOM_MARKERS = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
_cached: dict[str, str] = {}


@receiver(setting_changed)
def _forget_policy(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _cached.clear()


def _default_policy() -> str:
    if "policy" not in _cached:
        _cached["policy"] = build_policy()
    return _cached["policy"]


class CachedCSPMiddleware(CSPMiddleware):
    def process_response(self, request: Any, response: Any) -> Any:
        plain = (
            getattr(request, "_csp_nonce", None) is None
            and not any(hasattr(response, marker) for marker in _CUSTOM_MARKERS)
            and HEADER not in response
        )
        if not plain or _needs_full_path():
            return super().process_response(request, response)
        policy = _default_policy()
        if policy:
            response.headers[HEADER] = policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


def _needs_full_path() -> bool:
    """Report-only policies and excluded prefixes are left to django-csp itself."""
    from django.conf import settings

    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    return bool(
        getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) or policy.get("EXCLUDE_URL_PREFIXES")
    )


class CookieLocaleMiddleware(LocaleMiddleware):
    """The language comes from the switcher's cookie or the browser, never from the path.

    The site has no language prefixes in its URLs, so Django's middleware looking for one
    twice per request (a tenth of the middleware's cost in `make bench`) finds nothing.
    """

    def process_request(self, request: Any) -> None:
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: Any, response: Any) -> Any:
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class LazyCookieStorage(CookieStorage):
    """Django's cookie message storage, which builds its signer (a key derivation) only
    when a page reads or writes messages, not on every request."""

    def __init__(self, request: Any, *args: Any, **kwargs: Any) -> None:
        BaseStorage.__init__(self, request, *args, **kwargs)

    @cached_property
    def signer(self) -> Any:  # type: ignore[override]
        return signing.get_cookie_signer(salt=self.key_salt)


class MessageStorage(FallbackStorage):
    """Messages in a signed cookie, the session only for what does not fit (Django's
    default order): no session write after each form, which the session store would cost."""

    storage_classes = (LazyCookieStorage, SessionStorage)
