"""Leaner versions of library parts that every page pays for (`make bench`: the tiny page).

The Content-Security-Policy header is built once instead of on every response, where
django-csp rebuilt the same string from the settings each time. No page here uses a
nonce, and the few responses that change the policy (evidence downloads set their own
header; django-csp's decorators mark responses with `_csp_*` attributes) still go through
django-csp's own path, so its behaviour is unchanged.

The fixed headers every response carries (the policy, and what SecurityMiddleware and
XFrameOptionsMiddleware would add) are written in one pass where they are missing, as
Django stores them, checked once by Django's own code when first made. Those two
middlewares stay in place (the deploy checks look for them, and they still set HSTS on
secure requests) and find their headers already there.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator
from functools import cache, partial
from typing import Any

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.messages.storage.base import BaseStorage
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.messages.storage.session import SessionStorage
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core import signing
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.response import ResponseHeaders
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware
from django.middleware.locale import LocaleMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject, cached_property, empty
from django.utils.module_loading import import_string

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
# (language cookie, Accept-Language header) -> the language Django would pick and the code
# get_language() then gives. Bounded, as the header is the client's to choose; cleared
# whole when full.
_languages: dict[tuple[str | None, str], tuple[str, str]] = {}
_LANGUAGES_KEPT = 512
_KEY_CHARS_KEPT = 200
# Host headers found allowed (ALLOWED_HOSTS may allow any subdomain): bounded, cleared
# whole when full. Refused ones are never kept.
_hosts_allowed: set[str] = set()
_HOSTS_KEPT = 64


@receiver(setting_changed)
def _forget_what_settings_decide(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith(("CONTENT_SECURITY_POLICY", "SECURE_", "X_FRAME_OPTIONS")):
        _cached.clear()
    if setting.startswith("LANGUAGE") or setting in ("LOCALE_PATHS", "INSTALLED_APPS"):
        _languages.clear()
    if setting in ("ALLOWED_HOSTS", "DEBUG"):
        _hosts_allowed.clear()
    if setting == "MESSAGE_STORAGE":
        _message_storage_class.cache_clear()


def _default_policy() -> str:
    if "policy" not in _cached:
        _cached["policy"] = build_policy()
    return _cached["policy"]


class DirectCall:
    """MiddlewareMixin's request flow for a layer that has both of its methods, without
    asking on every request whether it has them or whether it runs asynchronously (a
    tenth of what these five layers cost on the tiny page, `make bench`). Synchronous
    only: under ASGI, Django adapts the layer as it does any synchronous one."""

    async_capable = False

    def __call__(self, request: Any) -> Any:
        response = self.process_request(request)  # type: ignore[attr-defined]
        if response is None:
            response = self.get_response(request)  # type: ignore[attr-defined]
        return self.process_response(request, response)  # type: ignore[attr-defined]


class CachedCSPMiddleware(DirectCall, CSPMiddleware):
    def process_request(self, request: Any) -> None:
        # django-csp's, with the lazy nonce made without LazyObject's attribute hooks.
        request.csp_nonce = _LazyNonce(partial(self._make_nonce, request))

    def process_response(self, request: Any, response: Any) -> Any:
        plain = (
            getattr(request, "_csp_nonce", None) is None
            and _MARKER_SET.isdisjoint(vars(response))
            and not _class_marked(type(response))
            and HEADER not in response
        )
        if not plain or _needs_full_path():
            return super().process_response(request, response)
        _set_missing(response, _fixed_headers(framed=not getattr(response, "xframe_options_exempt", False)))
        # Every layer outside this one, and the WSGI handler, reads the headers.
        quick_headers(response)
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = _LATE_NONCE
        return response


HeaderItems = tuple[tuple[str, tuple[str, str]], ...]


def _stored(headers: dict[str, str]) -> HeaderItems:
    """Headers as Django's ResponseHeaders keeps them (lowercased name -> (name, value)),
    made by ResponseHeaders itself: each name and value checked as Django checks them."""
    return tuple(ResponseHeaders(headers)._store.items())


def _set_missing(response: Any, items: HeaderItems) -> None:
    # What headers.setdefault() does for each, without checking again a value that was
    # checked when the items were made: eight headers cost a tenth of the tiny page.
    store = response.headers._store
    for key, item in items:
        if key not in store:
            store[key] = item


class _StoredItems(ItemsView):
    def __iter__(self) -> Iterator[tuple[str, str]]:
        # The store holds each header as (name as given, value): the pairs themselves.
        return iter(self._mapping._store.values())


class QuickHeaders(ResponseHeaders):
    """Django's response headers, read in one step where Mapping takes several.

    The WSGI handler writes every response's headers through items(), which takes four
    Python calls a header to lowercase each name and look it up again; and Django's
    security, frame, locale and session layers ask `in`, get() and setdefault() of each
    header they add, three to four calls each. Here each is one call on the store, which
    keeps each header as (name as given, value) under its lowercased name. Writing a
    header is Django's own, checks and all. Together these were about a tenth of what the
    middleware costs a plain page (`make bench`, the tiny page: 20,000 of 245,000
    instructions).
    """

    def items(self) -> ItemsView[str, str]:  # type: ignore[override]
        return _StoredItems(self)

    def __contains__(self, key: object) -> bool:
        return key.lower() in self._store  # type: ignore[attr-defined]

    def get(self, key: str, default: Any = None) -> Any:
        item = self._store.get(key.lower())
        return default if item is None else item[1]

    def setdefault(self, key: str, value: Any) -> None:
        if key.lower() not in self._store:
            self[key] = value


def quick_headers(response: Any) -> None:
    """Gives a response QuickHeaders in place of Django's ResponseHeaders (the same store,
    the same object); any other kind of headers is left alone."""
    if type(response.headers) is ResponseHeaders:
        response.headers.__class__ = QuickHeaders


def _fixed_headers(*, framed: bool) -> HeaderItems:
    key = f"fixed:{framed}"
    if key not in _cached:
        headers = _added_by_django(framed=framed)
        policy = _default_policy()
        if policy:
            headers[HEADER] = policy
        _cached[key] = _stored(headers)
    return _cached[key]


def _added_by_django(*, framed: bool) -> dict[str, str]:
    """What SecurityMiddleware and XFrameOptionsMiddleware add to a plain response on a
    request that is not secure (HSTS, for secure ones, is left to SecurityMiddleware)."""
    request, response = HttpRequest(), HttpResponse()
    before = set(response.headers)
    SecurityMiddleware(_unused).process_response(request, response)
    if framed:
        XFrameOptionsMiddleware(_unused).process_response(request, response)
    return {name: value for name, value in response.headers.items() if name not in before}


def _unused(request: Any) -> Any:
    raise AssertionError("only process_response is called")


class QuickLazyObject(SimpleLazyObject):
    """A SimpleLazyObject made as SimpleLazyObject.__init__ makes it, without going
    through LazyObject's own __getattribute__ and __setattr__ (five Python calls) to
    write the two attributes it starts with. For the ones made on every request."""

    def __init__(self, func: Any) -> None:
        _setattr(self, "_setupfunc", func)
        _setattr(self, "_wrapped", empty)


_setattr = object.__setattr__


class _LazyNonce(QuickLazyObject, CheckableLazyObject):
    pass


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


class CookieLocaleMiddleware(DirectCall, LocaleMiddleware):
    """The language comes from the switcher's cookie or the browser, never from the path.

    The site has no language prefixes in its URLs, so Django's middleware looking for one
    twice per request (a tenth of the middleware's cost in `make bench`) finds nothing.
    """

    def process_request(self, request: Any) -> None:
        # Django's choice depends on the cookie and the header alone (and the settings and
        # catalogues, fixed in a running process): it is worked out once per pair, with
        # the code get_language() gives once it is active, since reading the active
        # language back costs as much as activating it (a context-local store, locked).
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        key = (cookie, request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
        chosen = _languages.get(key)
        if chosen is None:
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            chosen = (language, translation.get_language())
            # Browsers send short headers; long made-up ones are not kept.
            if len(key[1]) <= _KEY_CHARS_KEPT and len(cookie or "") <= _KEY_CHARS_KEPT:
                if len(_languages) >= _LANGUAGES_KEPT:
                    _languages.clear()
                _languages[key] = chosen
        else:
            translation.activate(chosen[0])
        request.LANGUAGE_CODE = chosen[1]

    def process_response(self, request: Any, response: Any) -> Any:
        varied = "Vary" in response.headers
        if varied:
            patch_vary_headers(response, ("Accept-Language",))
        # Without a Vary yet, what patch_vary_headers would write, without parsing.
        _set_missing(response, _language_headers(request.LANGUAGE_CODE, vary=not varied))
        return response


def _language_headers(code: str, *, vary: bool) -> HeaderItems:
    key = f"language:{code}:{vary}"
    if key not in _cached:
        headers = {"Vary": "Accept-Language"} if vary else {}
        _cached[key] = _stored({**headers, "Content-Language": code})
    return _cached[key]


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


class MessageMiddleware(DirectCall, DjangoMessageMiddleware):
    """Django's, with the storage class found once instead of imported by name on every
    request."""

    def process_request(self, request: Any) -> None:
        request._messages = _message_storage_class()(request)


@cache
def _message_storage_class() -> type[BaseStorage]:
    return import_string(settings.MESSAGE_STORAGE)


class SessionMiddleware(DirectCall, DjangoSessionMiddleware):
    """Django's, with a short way out for a request that neither brought a session cookie
    nor touched its session (a visitor's page, a health check): Django's own checks would
    end the same way, after asking the untouched store whether it is empty (an exception
    raised and caught inside it) and reading four settings."""

    def process_response(self, request: Any, response: Any) -> Any:
        try:
            untouched = not (request.session.accessed or request.session.modified)
        except AttributeError:
            return response
        if (
            untouched
            and not settings.SESSION_SAVE_EVERY_REQUEST
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        ):
            return response
        return super().process_response(request, response)


class CommonMiddleware(DirectCall, DjangoCommonMiddleware):
    """Django's, with two costs of every request made smaller: the Host header is checked
    against ALLOWED_HOSTS once per distinct value (the check is a parse and a pattern
    match, and its answer depends on the settings alone), and Content-Length, a number,
    is written without the checks a header value from elsewhere needs. Anything else
    (denied user agents, PREPEND_WWW, the slash redirect of a 404) is Django's own."""

    def process_request(self, request: Any) -> Any:
        if settings.DISALLOWED_USER_AGENTS or settings.PREPEND_WWW:
            return super().process_request(request)
        host = request._get_raw_host()
        if host not in _hosts_allowed:
            request.get_host()  # raises DisallowedHost for a host not allowed
            if len(_hosts_allowed) >= _HOSTS_KEPT:
                _hosts_allowed.clear()
            _hosts_allowed.add(host)
        return None

    def process_response(self, request: Any, response: Any) -> Any:
        if response.status_code == 404 or response.streaming:
            return super().process_response(request, response)
        store = response.headers._store
        if "content-length" not in store:
            store["content-length"] = ("Content-Length", str(len(response.content)))
        return response
