"""Queries per request, captured in-process: `python -m bench.probe [--filing] SEED_JSON OUT_JSON`.

Each page is requested twice through Django's test client against the benchmark database
(the first request fills caches, as on a running server); the second is counted with
CaptureQueriesContext. The SQL of every query is kept in the output for reading.

--filing files two complaints with 3 incidents instead, as one of the seeded borrowers,
through a client that enforces CSRF like the server: the filing page, then its form
posted with the token from the page. Only the second POST is counted (the first one also
records the borrower's consent, which a browser asks for only once). It adds complaints,
so run.py calls it only after the page rounds, which check that the count is unchanged.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _query_log(ctx: Any) -> list[dict[str, Any]]:
    return [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in ctx.captured_queries]


def _writes_session(ctx: Any) -> bool:
    return any(q["sql"].startswith('UPDATE "django_session"') for q in ctx.captured_queries)


def filing(seed: dict[str, Any]) -> dict[str, Any]:
    from urllib.parse import urlencode

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.endpoints import FILING_PATH, filing_form, filing_page

    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    # The last filer: run.py files over HTTP as the others, within the per-account limit.
    client.cookies[seed["session_cookie"]] = seed["sessions"]["filers"][-1]
    result: dict[str, Any] = {}
    for serial in range(2):
        page = client.get(FILING_PATH)
        if page.status_code != 200:
            return {"status": page.status_code, "location": page.get("Location", "")}
        token, consent = filing_page(page.content)
        body = urlencode(filing_form(token, consent=consent, serial=9000 + serial))
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.post(FILING_PATH, body, content_type="application/x-www-form-urlencoded")
            elapsed = time.perf_counter() - start
        result = {
            "status": response.status_code,
            "location": response.get("Location", ""),
            "consent_asked": consent,
            "queries": len(ctx.captured_queries),
            "in_process_ms": round(elapsed * 1000, 1),
            "sql": _query_log(ctx),
        }
        if response.status_code != 302:
            break
    return result


def main() -> None:
    args = sys.argv[1:]
    only_filing = args[:1] == ["--filing"]
    seed_file, out_file = Path(args[-2]), Path(args[-1])
    seed = json.loads(seed_file.read_text(encoding="utf-8"))

    import django

    django.setup()
    if only_filing:
        out_file.write_text(json.dumps(filing(seed), ensure_ascii=False, indent=1), encoding="utf-8")
        return
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.endpoints import CEILINGS, endpoints

    results = {}
    for ep in [*CEILINGS.values(), *endpoints(seed)]:
        if ep.name in ("floor", "plain_tiny"):
            continue  # answered by bench.wsgi before Django's handler: nothing to count
        client = Client(HTTP_HOST="127.0.0.1")
        if ep.session:
            client.cookies[seed["session_cookie"]] = seed["sessions"][ep.session]
        client.get(ep.path)
        for _attempt in range(2):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get(ep.path)
                elapsed = time.perf_counter() - start
            # A caseworker's session is stamped once a minute (the idle timeout), on
            # whichever request comes a minute after the last: when the counted one is
            # that request, the page's own queries are counted on the next.
            if not _writes_session(ctx):
                break
        results[ep.name] = {
            "status": response.status_code,
            "location": response.get("Location", ""),
            "bytes": len(response.content),
            "queries": len(ctx.captured_queries),
            "in_process_ms": round(elapsed * 1000, 1),
            "sql": _query_log(ctx),
            "session_stamp_skipped": _attempt > 0,
        }
    out_file.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
