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
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache.backends import redis as django_redis
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.test import RequestFactory
from django.utils import translation

from lib.cache import RedisCache, RedisCacheClient
from lib.middleware import _CUSTOM_MARKERS, CachedCSPMiddleware, CookieLocaleMiddleware, LazyCookieStorage


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
