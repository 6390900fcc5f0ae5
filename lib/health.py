"""/healthz: does the app reach its database and its Celery broker?"""

from __future__ import annotations

from celery import current_app
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as e:  # noqa: BLE001 - any failure means "not ok", reported as such
        return f"error: {type(e).__name__}"
    return "ok"


def check_broker() -> str:
    # The project's app (config/__init__.py makes it the current one): lib imports nothing
    # of the project.
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
            # Redis accepts a TCP connection lazily; a round trip proves it answers.
            conn.default_channel  # noqa: B018
    except Exception as e:  # noqa: BLE001
        return f"error: {type(e).__name__}"
    return "ok"


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": check_database(), "broker": check_broker()}
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
