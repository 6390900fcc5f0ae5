"""lib/cache.py and lib/middleware.py lean on private parts of Django, redis-py and
django-csp to save time on every page (`make bench`). Each test here pins one thing they
rely on, so that an upgrade that changes it fails here, loudly and by name, instead of
quietly changing what every page does."""

from __future__ import annotations

import inspect

import pytest
import redis
from csp.constants import HEADER
from csp.decorators import csp_exempt, csp_replace, csp_update
from csp.middleware import CSPMiddleware
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.cache.backends import redis as django_redis
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.test import RequestFactory
from django.utils import translation

from lib.cache import RedisCache, RedisCacheClient
from lib.middleware import (
    _CUSTOM_MARKERS,
    CachedCSPMiddleware,
    CookieLocaleMiddleware,
    LazyCookieStorage,
    MessageStorage,
    _languages,
)


def test_django_redis_client_still_has_the_parts_our_client_uses():
    client = django_redis.RedisCacheClient(["redis://127.0.0.1:6379/9"])

    for name in (
        "_get_connection_pool_index",
        "_pools",
        "_pool_class",
        "_servers",
        "_pool_options",
        "_client",
    ):
        assert hasattr(client, name), f"django's RedisCacheClient lost {name}"
    assert "write" in inspect.signature(client._get_connection_pool_index).parameters
    assert inspect.signature(django_redis.RedisCacheClient.get_client).parameters.keys() >= {"key", "write"}


def test_our_redis_cache_shares_one_client_per_pool():
    cache = RedisCache("redis://127.0.0.1:6379/9", {})

    assert isinstance(cache._cache, RedisCacheClient)
    first = cache._cache.get_client(write=True)
    assert isinstance(first, redis.Redis)
    assert cache._cache.get_client(write=True) is first
    assert cache._cache.get_client("key") is cache._cache.get_client("other")


def _response_through(middleware_class, view_decorator=None):
    request = RequestFactory().get("/")

    def view(request):
        return HttpResponse("ok")

    if view_decorator is not None:
        view = view_decorator(view)
    middleware = middleware_class(view)
    middleware.process_request(request)
    return middleware.process_response(request, view(request))


def test_the_cached_policy_is_the_one_django_csp_writes():
    assert _response_through(CachedCSPMiddleware)[HEADER] == _response_through(CSPMiddleware)[HEADER]


@pytest.mark.parametrize(
    "decorator",
    [
        csp_exempt(),
        csp_update({"img-src": ["https://example.org"]}),
        csp_replace({"img-src": ["https://example.org"]}),
    ],
)
def test_every_marker_django_csp_decorators_set_is_one_we_hand_back_to_it(decorator):
    response = HttpResponse()

    decorated = decorator(lambda request: response)
    decorated(RequestFactory().get("/"))

    set_markers = {name for name in vars(response) if name.startswith("_csp")}
    assert set_markers
    assert set_markers <= set(_CUSTOM_MARKERS)
    ours = _response_through(CachedCSPMiddleware, decorator)
    theirs = _response_through(CSPMiddleware, decorator)
    assert ours.get(HEADER) == theirs.get(HEADER)


def test_django_csp_middleware_still_has_the_late_nonce_guard():
    assert callable(getattr(CSPMiddleware, "_csp_nonce_post_response", None))


def test_the_lazy_cookie_storage_skips_only_the_signer():
    """LazyCookieStorage replaces CookieStorage.__init__, which must set nothing else."""
    request = RequestFactory().get("/")
    stock, lazy = CookieStorage(request), LazyCookieStorage(request)

    assert set(vars(stock)) - set(vars(lazy)) == {"signer"}
    assert lazy.signer.salt == stock.signer.salt


@pytest.mark.parametrize(
    ("accept", "cookie"),
    [("en-US,en;q=0.9", None), ("zh-CN,zh;q=0.9", None), ("fr", None), ("zh-CN", "en"), ("en", "zh-hans")],
)
def test_the_cookie_locale_middleware_picks_what_django_would(settings, accept, cookie):
    def pick(middleware_class):
        request = RequestFactory().get("/", headers={"accept-language": accept})
        if cookie:
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = cookie
        middleware_class(lambda r: HttpResponse()).process_request(request)
        return request.LANGUAGE_CODE

    try:
        assert pick(CookieLocaleMiddleware) == pick(LocaleMiddleware)
    finally:
        translation.deactivate()


def test_the_cookie_locale_middleware_remembers_a_choice_only_for_the_same_cookie_and_header(settings):
    def pick(accept, cookie=None):
        request = RequestFactory().get("/", headers={"accept-language": accept})
        if cookie:
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = cookie
        CookieLocaleMiddleware(lambda r: HttpResponse()).process_request(request)
        return request.LANGUAGE_CODE

    try:
        for _ in range(2):  # the second round answers from what the first remembered
            assert pick("en-US,en;q=0.9") == "en"
            assert pick("zh-CN,zh;q=0.9") == "zh-hans"
            assert pick("en-US,en;q=0.9", cookie="zh-hans") == "zh-hans"
            assert pick("en-US," + ",".join(["de;q=0.1"] * 30)) == "en"
            assert ("en-US," + ",".join(["de;q=0.1"] * 30)) not in {
                accept for _, accept in _languages
            }  # long: not kept
        settings.LANGUAGE_CODE = "en"  # a settings change forgets what was remembered
        assert pick("fr") == "en"
    finally:
        translation.deactivate()


@pytest.mark.parametrize("vary", [None, "Cookie", "Accept-Language, Cookie"])
def test_the_cookie_locale_middleware_writes_the_vary_header_django_would(vary):
    def vary_after(middleware_class):
        request = RequestFactory().get("/")
        response = HttpResponse()
        if vary:
            response.headers["Vary"] = vary
        middleware = middleware_class(lambda r: response)
        middleware.process_request(request)
        return middleware.process_response(request, response)["Vary"]

    try:
        assert vary_after(CookieLocaleMiddleware) == vary_after(LocaleMiddleware)
    finally:
        translation.deactivate()


def test_the_message_storage_builds_its_stores_only_when_used():
    request = RequestFactory().get("/")
    request.session = {}
    untouched = MessageStorage(request)
    untouched.update(response := HttpResponse())
    assert "storages" not in vars(untouched)
    assert not response.cookies

    request._messages = written = MessageStorage(request)
    messages.info(request, "saved")
    written.update(response := HttpResponse())
    assert [type(s) for s in written.storages] == [
        LazyCookieStorage,
        type(FallbackStorage(request).storages[1]),
    ]
    assert "messages" in response.cookies

    reader = RequestFactory().get("/")
    reader.session = {}
    reader.COOKIES["messages"] = response.cookies["messages"].value
    assert [str(m) for m in MessageStorage(reader)] == ["saved"]


def test_a_csp_marker_on_the_response_class_is_still_handed_to_django_csp():
    class Exempt(HttpResponse):
        _csp_exempt = True

    request = RequestFactory().get("/")
    middleware = CachedCSPMiddleware(lambda r: Exempt())
    middleware.process_request(request)
    assert HEADER not in middleware.process_response(request, Exempt())


def test_a_nonce_asked_for_after_the_header_is_written_is_still_an_error():
    from csp.exceptions import CSPNonceError

    for _ in range(2):  # the guard is shared between requests: it must never hold a nonce
        request = RequestFactory().get("/")
        middleware = CachedCSPMiddleware(lambda r: HttpResponse())
        middleware.process_request(request)
        middleware.process_response(request, HttpResponse())
        assert not request.csp_nonce
        with pytest.raises(CSPNonceError):
            str(request.csp_nonce)
