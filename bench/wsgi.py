"""What gunicorn serves during `make bench`: the project's own WSGI application, plus two
reference points that the project's handler never sees.

- /__bench__/plain/tiny/ goes to a second Django handler built with no middleware: the same
  URL resolution, request object and view as /__bench__/tiny/, so tiny ÷ plain is the cost
  of the middleware stack alone.
- /__bench__/floor answers from WSGI directly: what gunicorn and the HTTP round trip cost.

Every other path goes to config.wsgi.application untouched; the dispatch is one string
comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

from config.wsgi import application as project

PLAIN_PREFIX = "/__bench__/plain/"
FLOOR_PATH = "/__bench__/floor"


def _handler_without_middleware() -> WSGIHandler:
    # The middleware chain is built once, in the constructor; the setting is restored at once.
    saved = settings.MIDDLEWARE
    settings.MIDDLEWARE = []
    try:
        return WSGIHandler()
    finally:
        settings.MIDDLEWARE = saved


plain = _handler_without_middleware()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if path.startswith("/__bench__/"):
        if path == FLOOR_PATH:
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
            return [b"ok"]
        if path.startswith(PLAIN_PREFIX):
            return plain(environ, start_response)
    return project(environ, start_response)
