"""The ceiling pages of `make bench` exist only in benchmark mode, and touch no database."""

from __future__ import annotations

import importlib
import io

import pytest
from django.urls import NoReverseMatch, clear_url_caches, reverse

import config.urls

pytestmark = pytest.mark.django_db


def _reload_urls() -> None:
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def benchmark_mode(settings):
    settings.BENCHMARK = True
    _reload_urls()
    yield
    settings.BENCHMARK = False
    _reload_urls()


def test_benchmark_mode_is_off_by_default(settings):
    assert settings.BENCHMARK is False


@pytest.mark.parametrize("path", ["/__bench__/tiny/", "/__bench__/table/", "/__bench__/plain/tiny/"])
def test_ceiling_pages_are_absent_without_benchmark_mode(client, path):
    assert client.get(path).status_code == 404


def test_ceiling_urls_are_not_routed_without_benchmark_mode():
    with pytest.raises(NoReverseMatch):
        reverse("bench:tiny")


def test_tiny_ceiling_answers_without_the_database(benchmark_mode, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("bench:tiny"))

    assert response.status_code == 200
    assert response.content == b"ok"


def test_table_ceiling_renders_fifty_rows_without_the_database(
    benchmark_mode, client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(reverse("bench:table"))

    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == 51  # the header and 50 rows


def _call(app, path):
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "QUERY_STRING": "",
    }
    started = {}

    def start_response(status, headers, exc_info=None):
        started.update(status=status, headers=dict(headers))

    body = b"".join(app(environ, start_response))
    return started, body


def test_bench_wsgi_floor_answers_before_django():
    from bench import wsgi

    started, body = _call(wsgi.application, "/__bench__/floor")

    assert started["status"] == "200 OK"
    assert body == b"ok"


def test_bench_wsgi_plain_handler_skips_the_middleware(benchmark_mode):
    from bench import wsgi

    plain, plain_body = _call(wsgi.application, "/__bench__/plain/tiny/")
    full, full_body = _call(wsgi.application, "/__bench__/tiny/")

    assert plain_body == full_body == b"ok"
    # Only the project's handler runs the security and CSP middleware.
    assert "Content-Security-Policy" in full["headers"]
    assert "Content-Security-Policy" not in plain["headers"]
