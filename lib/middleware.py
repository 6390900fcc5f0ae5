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
from django.conf import settings
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
_MARKER_SET = frozenset(_CUSTOM_MARKERS)
_cached: dict[str, Any] = {}
# (language cookie, Accept-Language header) -> the language Django would pick. Bounded, as
# the header is the client's to choose; cleared whole when full.
_languages: dict[tuple[str | None, str], str] = {}
_LANGUAGES_KEPT = 512
_KEY_CHARS_KEPT = 200


@receiver(setting_changed)
def _forget_policy(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _cached.clear()
    if setting.startswith("LANGUAGE") or setting in ("LOCALE_PATHS", "INSTALLED_APPS"):
        _languages.clear()


def _default_policy() -> str:
    if "policy" not in _cached:
        _cached["policy"] = build_policy()
    return _cached["policy"]


class CachedCSPMiddleware(CSPMiddleware):
    def process_response(self, request: Any, response: Any) -> Any:
        plain = (
            getattr(request, "_csp_nonce", None) is None
            and _MARKER_SET.isdisjoint(vars(response))
            and not _class_marked(type(response))
            and HEADER not in response
        )
        if not plain or _needs_full_path():
            return super().process_response(request, response)
        policy = _default_policy()
        if policy:
            response.headers[HEADER] = policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = _LATE_NONCE
        return response


# Its only setup raises, so it never holds a value and one object serves every request.
_LATE_NONCE = CheckableLazyObject(CSPMiddleware._csp_nonce_post_response)


def _class_marked(cls: type) -> bool:
    # django-csp's decorators mark the response object; a class carrying a marker would
    # be odd, but it is looked at once per class to keep the check exact.
    key = f"class:{cls.__module__}.{cls.__qualname__}"
    if key not in _cached:
        _cached[key] = any(hasattr(cls, marker) for marker in _CUSTOM_MARKERS)
    return _cached[key]


def _needs_full_path() -> bool:
    if "full_path" not in _cached:
        _cached["full_path"] = _settings_need_full_path()
    return _cached["full_path"]


def _settings_need_full_path() -> bool:
    """Report-only policies and excluded prefixes are left to django-csp itself."""
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
        # Django's choice depends on the cookie and the header alone (and the settings and
        # catalogues, fixed in a running process): it is worked out once per pair.
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        key = (cookie, request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
        language = _languages.get(key)
        if language is None:
            language = translation.get_language_from_request(request, check_path=False)
            # Browsers send short headers; long made-up ones are not kept.
            if len(key[1]) <= _KEY_CHARS_KEPT and len(cookie or "") <= _KEY_CHARS_KEPT:
                if len(_languages) >= _LANGUAGES_KEPT:
                    _languages.clear()
                _languages[key] = language
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: Any, response: Any) -> Any:
        if "Vary" in response.headers:
            patch_vary_headers(response, ("Accept-Language",))
        else:
            # What patch_vary_headers writes when there is no Vary yet, without parsing.
            response.headers["Vary"] = "Accept-Language"
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

    def __init__(self, request: Any, *args: Any, **kwargs: Any) -> None:
        # The two stores are built when messages are first read or written: a page that
        # touches none (most requests) builds neither.
        BaseStorage.__init__(self, request, *args, **kwargs)
        self._store_args = (request, *args)
        self._store_kwargs = kwargs
        self._used_storages = set()

    @cached_property
    def storages(self) -> list[BaseStorage]:  # type: ignore[override]
        request, *args = self._store_args
        return [storage_class(request, *args, **self._store_kwargs) for storage_class in self.storage_classes]
