"""lib/cache.py and lib/middleware.py lean on private parts of Django, redis-py and
django-csp to save time on every page (`make bench`). Each test here pins one thing they
rely on, so that an upgrade that changes it fails here, loudly and by name, instead of
quietly changing what every page does."""

from __future__ import annotations

import inspect

import pytest
import redis
from csp.constants import HEADER, NONCE, SELF
from csp.decorators import csp_exempt, csp_replace, csp_update
from csp.middleware import CSPMiddleware
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.messages.storage.session import SessionStorage
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.cache.backends import redis as django_redis
from django.core.exceptions import DisallowedHost
from django.http import BadHeaderError, HttpResponse
from django.http.response import ResponseHeaders
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware
from django.middleware.locale import LocaleMiddleware
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin
from django.utils.functional import SimpleLazyObject, empty
from django.views.decorators.clickjacking import xframe_options_exempt, xframe_options_sameorigin

from lib.cache import RedisCache, RedisCacheClient
from lib.middleware import (
    _CUSTOM_MARKERS,
    CachedCSPMiddleware,
    CommonMiddleware,
    CookieLocaleMiddleware,
    DirectCall,
    LazyCookieStorage,
    MessageMiddleware,
    MessageStorage,
    QuickHeaders,
    QuickLazyObject,
    SessionMiddleware,
    _languages,
    _set_missing,
    _stored,
    quick_headers,
)
from lib.sessions import SessionStore as LazySessionStore


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


def _through_stack(layers, view, request):
    """The response `view` gives, passed back up through `layers` (outermost first)."""
    handler = view
    for layer in reversed(layers):
        handler = layer(handler)
    return handler(request)


_STOCK_HEADERS = [SecurityMiddleware, XFrameOptionsMiddleware, CSPMiddleware]
_OUR_HEADERS = [SecurityMiddleware, XFrameOptionsMiddleware, CachedCSPMiddleware]


@pytest.mark.parametrize(
    "shape",
    ["plain", "own referrer policy", "frame exempt", "same-origin frames", "csp exempt", "secure"],
)
def test_the_fixed_headers_are_the_ones_djangos_middlewares_write(shape):
    def view(request):
        response = HttpResponse("ok")
        if shape == "own referrer policy":
            response.headers["Referrer-Policy"] = "no-referrer"
        return response

    if shape == "frame exempt":
        view = xframe_options_exempt(view)
    elif shape == "same-origin frames":
        view = xframe_options_sameorigin(view)
    elif shape == "csp exempt":
        view = csp_exempt()(view)

    def headers(layers):
        request = RequestFactory().get("/", secure=shape == "secure")
        response = _through_stack(layers, view, request)
        return dict(response.items()), response.serialize_headers()

    ours, ours_bytes = headers(_OUR_HEADERS)
    stock, stock_bytes = headers(_STOCK_HEADERS)
    assert ours == stock
    assert sorted(ours_bytes.split(b"\r\n")) == sorted(stock_bytes.split(b"\r\n"))
    if shape == "plain":
        assert {"X-Frame-Options", "Referrer-Policy", "X-Content-Type-Options", HEADER} <= set(ours)


def test_the_fixed_headers_follow_a_settings_change(settings):
    request = RequestFactory().get("/")
    first = _through_stack(_OUR_HEADERS, lambda r: HttpResponse(), request)
    settings.SECURE_REFERRER_POLICY = "no-referrer"
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"
    then = _through_stack(_OUR_HEADERS, lambda r: HttpResponse(), RequestFactory().get("/"))

    assert (first["Referrer-Policy"], first["X-Frame-Options"]) == ("same-origin", "DENY")
    assert (then["Referrer-Policy"], then["X-Frame-Options"]) == ("no-referrer", "SAMEORIGIN")


def test_headers_written_ahead_are_stored_as_django_stores_them():
    """_set_missing writes into ResponseHeaders._store: the layout it relies on."""
    written = HttpResponse()
    written.headers["Content-Language"] = "zh-hans"
    ahead = HttpResponse()
    _set_missing(ahead, _stored({"Content-Language": "zh-hans"}))

    assert ahead.headers._store == written.headers._store
    assert ahead["content-language"] == "zh-hans"
    with pytest.raises(BadHeaderError):  # made by Django's own checks
        _stored({"Content-Language": "zh\r\nSet-Cookie: x=1"})


def _both() -> tuple[ResponseHeaders, QuickHeaders]:
    given = {"Content-Type": "text/html", "X-Frame-Options": "DENY", "vary": "Cookie"}
    return ResponseHeaders(given), QuickHeaders(given)


@pytest.mark.parametrize("name", ["Content-Type", "content-type", "VARY", "X-Missing", "x-frame-options"])
def test_quick_headers_answer_as_djangos_response_headers(name):
    django, quick = _both()
    assert list(quick.items()) == list(django.items())
    assert len(quick.items()) == len(django.items())
    assert (name in quick) == (name in django)
    assert quick.get(name) == django.get(name)
    assert quick.get(name, "fallback") == django.get(name, "fallback")
    django.setdefault(name, "given")
    quick.setdefault(name, "given")
    assert quick._store == django._store


def test_quick_headers_write_through_djangos_checks():
    _, quick = _both()
    with pytest.raises(BadHeaderError):
        quick.setdefault("X-New", "a\r\nSet-Cookie: x=1")
    quick.setdefault("X-New", "ü")  # encoded as Django encodes a header value
    assert quick["x-new"] == ResponseHeaders({"X-New": "ü"})["X-New"]


def test_every_layer_outside_the_policy_and_the_wsgi_handler_read_quick_headers(client):
    response = client.get("/")
    assert type(response.headers) is QuickHeaders
    # What the WSGI handler writes: every stored header, in order, as Django would.
    assert list(response.items()) == [(name, value) for name, value in response.headers._store.values()]
    assert response["X-Frame-Options"] == "DENY" and response["Referrer-Policy"] == "same-origin"


def test_only_djangos_own_response_headers_are_made_quick():
    class Special(ResponseHeaders):
        pass

    response = HttpResponse()
    quick_headers(response)
    assert type(response.headers) is QuickHeaders
    other = HttpResponse()
    other.headers = Special({})
    quick_headers(other)
    assert type(other.headers) is Special


def test_the_lazy_objects_start_as_django_makes_them():
    def make():
        return "made"

    quick, stock = QuickLazyObject(make), SimpleLazyObject(make)
    assert vars(quick) == vars(stock)
    assert vars(quick)["_wrapped"] is empty
    assert str(quick) == "made"
    assert vars(quick)["_wrapped"] == "made"


def test_a_nonce_asked_for_during_the_request_is_in_the_policy_as_django_csp_writes_it(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}

    def view(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    ours = _through_stack([CachedCSPMiddleware], view, RequestFactory().get("/"))
    nonce = ours.content.decode().split("'")[1]
    assert len(nonce) > 10
    assert f"'nonce-{nonce}'" in ours[HEADER]
    stock = _through_stack([CSPMiddleware], view, RequestFactory().get("/"))
    assert ours[HEADER].replace(nonce, "N") == stock[HEADER].replace(
        stock.content.decode().split("'")[1], "N"
    )


def test_the_session_store_opens_its_cache_and_serializer_only_when_used():
    ours, stock = LazySessionStore("k"), cached_db.SessionStore("k")

    assert set(vars(stock)) - set(vars(ours)) == {"_cache", "serializer"}
    assert {k: v for k, v in vars(stock).items() if k in vars(ours)} == vars(ours)
    assert ours._cache is stock._cache
    assert ours.serializer is stock.serializer


def _session_outcome(middleware_class, *, cookie: str | None, touch: str):
    request = RequestFactory().get("/")
    if cookie is not None:
        request.COOKIES["sessionid"] = cookie

    def view(request):
        if touch == "read":
            request.session.get("x")
        elif touch == "write":
            request.session["x"] = 1
        return HttpResponse()

    response = _through_stack([middleware_class], view, request)
    morsel = response.cookies.get("sessionid")
    return response.get("Vary"), None if morsel is None else (bool(morsel.value), morsel["max-age"])


@pytest.mark.django_db
@pytest.mark.parametrize("cookie", [None, "no-such-session-key", "bad"])  # "bad": too short to be a key
@pytest.mark.parametrize("touch", ["none", "read", "write"])
def test_the_session_middleware_ends_every_request_as_djangos(cookie, touch):
    assert _session_outcome(SessionMiddleware, cookie=cookie, touch=touch) == _session_outcome(
        DjangoSessionMiddleware, cookie=cookie, touch=touch
    )


def test_the_message_middleware_uses_the_configured_storage(settings):
    request = RequestFactory().get("/")
    request.session = {}
    MessageMiddleware(lambda r: HttpResponse()).process_request(request)
    assert type(request._messages) is MessageStorage

    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
    MessageMiddleware(lambda r: HttpResponse()).process_request(request)
    assert type(request._messages) is SessionStorage


def test_the_common_middleware_refuses_a_host_not_allowed_every_time(settings):
    settings.ALLOWED_HOSTS = ["example.org", ".example.com"]
    middleware = CommonMiddleware(lambda r: HttpResponse())

    for _ in range(2):  # the second time, the allowed ones are remembered
        for host in ("example.org", "a.example.com", "example.org:8000"):
            assert middleware.process_request(RequestFactory().get("/", HTTP_HOST=host)) is None
        for host in ("evil.org", "example.org.evil.org", "exa mple.org"):
            with pytest.raises(DisallowedHost):
                middleware.process_request(RequestFactory().get("/", HTTP_HOST=host))

    settings.ALLOWED_HOSTS = ["example.com"]  # a settings change forgets what was allowed
    with pytest.raises(DisallowedHost):
        middleware.process_request(RequestFactory().get("/", HTTP_HOST="example.org"))


def test_the_common_middleware_sets_content_length_as_django():
    def answered(middleware_class, content):
        request = RequestFactory().get("/")
        return middleware_class(lambda r: HttpResponse(content)).process_response(
            request, HttpResponse(content)
        )

    for content in (b"", b"ok", "\u4e2d\u6587".encode()):
        ours, stock = answered(CommonMiddleware, content), answered(DjangoCommonMiddleware, content)
        assert ours.headers._store == stock.headers._store


@pytest.mark.django_db
def test_the_common_middleware_still_adds_the_slash_to_a_missing_page(client):
    response = client.get("/complaints/mine")
    assert response.status_code == 301
    assert response["Location"] == "/complaints/mine/"


def test_django_otp_still_has_the_verification_our_user_middleware_calls():
    from django_otp.middleware import OTPMiddleware

    assert list(inspect.signature(OTPMiddleware._verify_user_sync).parameters) == ["self", "request", "user"]
    assert list(inspect.signature(OTPMiddleware._verify_user_async_via_auser).parameters) == [
        "self",
        "request",
        "auser",
    ]


@pytest.mark.parametrize(
    "layer",
    [SessionMiddleware, CookieLocaleMiddleware, CommonMiddleware, MessageMiddleware, CachedCSPMiddleware],
)
def test_a_direct_call_layer_has_both_methods_it_calls_and_is_adapted_under_asgi(layer):
    # DirectCall calls both without asking: a layer losing one must fail here, not on a page.
    assert layer.__call__ is DirectCall.__call__
    assert callable(layer.process_request) and callable(layer.process_response)
    # Under ASGI, Django wraps a layer that is not async-capable rather than awaiting it.
    assert layer.async_capable is False and layer.sync_capable is True


def test_a_direct_call_layer_flows_as_djangos_middleware_mixin():
    def flow(*bases):
        seen = []

        class Layer(*bases):
            def process_request(self, request):
                seen.append("request")
                return HttpResponse("short") if request.GET.get("stop") else None

            def process_response(self, request, response):
                seen.append(f"response:{response.content.decode()}")
                return response

        def view(request):
            seen.append("view")
            return HttpResponse("view")

        for query in ({}, {"stop": "1"}):
            Layer(view)(RequestFactory().get("/", query))
        return seen

    assert (
        flow(DirectCall, MiddlewareMixin)
        == flow(MiddlewareMixin)
        == [
            "request",
            "view",
            "response:view",
            "request",
            "response:short",
        ]
    )
