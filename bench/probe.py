"""Queries per request, captured in-process: `python -m bench.probe SEED_JSON OUT_JSON`.

Each page is requested twice through Django's test client against the benchmark database
(the first request fills caches, as on a running server); the second is counted with
CaptureQueriesContext. The SQL of every query is kept in the output for reading.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    seed_file, out_file = Path(sys.argv[1]), Path(sys.argv[2])
    seed = json.loads(seed_file.read_text(encoding="utf-8"))

    import django

    django.setup()
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
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(ep.path)
            elapsed = time.perf_counter() - start
        results[ep.name] = {
            "status": response.status_code,
            "location": response.get("Location", ""),
            "bytes": len(response.content),
            "queries": len(ctx.captured_queries),
            "in_process_ms": round(elapsed * 1000, 1),
            "sql": [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in ctx.captured_queries],
        }
    out_file.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
