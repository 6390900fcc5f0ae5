"""What `make bench` measures: shared by run.py (over HTTP) and probe.py (in-process)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    session: str | None  # "advocate", "borrower" or None (anonymous)
    what: str


# Served by the project and its middleware, touching no database (bench/views.py, bench/wsgi.py).
CEILINGS = {
    "tiny": Endpoint("tiny", "/__bench__/tiny/", None, "project tiny page, whole middleware stack"),
    "table": Endpoint("table", "/__bench__/table/", None, "50-row table on the site layout"),
    "plain_tiny": Endpoint("plain_tiny", "/__bench__/plain/tiny/", None, "same tiny view, no middleware"),
    "floor": Endpoint("floor", "/__bench__/floor", None, "bare WSGI answer, no Django"),
}


def endpoints(seed: dict[str, Any]) -> list[Endpoint]:
    """The pages measured at each size, from what bench.seed reported."""
    f = seed["featured"]
    return [
        Endpoint(
            "queue",
            "/cases/?status=waiting_lender&sort=due&per_page=50",
            "advocate",
            "advocate queue: 50 rows waiting for the lender, next deadline first",
        ),
        Endpoint(
            "queue_default", "/cases/", "advocate", "advocate queue as it opens: 25 rows, latest change"
        ),
        Endpoint(
            "search_collector",
            "/cases/?q=" + quote(f["collector_typed"]),
            "advocate",
            "queue search by a collector's number as typed",
        ),
        Endpoint(
            "search_reference",
            "/cases/?q=" + f["search_reference"],
            "advocate",
            "queue search by a complaint reference",
        ),
        Endpoint(
            "case_detail",
            f"/complaints/{f['complaint']}/",
            "advocate",
            "advocate case detail (10 evidence, 20 timeline events)",
        ),
        Endpoint(
            "complaint_detail",
            f"/complaints/{f['complaint']}/",
            "borrower",
            "borrower's complaint detail (same complaint)",
        ),
        Endpoint("mine", "/complaints/mine/", "borrower", "borrower's 'my complaints' (20 complaints)"),
        Endpoint(
            "collector",
            f"/cases/collectors/{quote(f['collector'])}/",
            "advocate",
            "collector page of a number named across many complaints",
        ),
        Endpoint("dashboard", "/cases/dashboard/", "advocate", "advocates' dashboard (cached aggregates)"),
        Endpoint("public_stats", "/cases/statistics/", None, "public statistics (cached aggregates)"),
        Endpoint("directory", "/regulators/", None, "public directory of regulators"),
    ]
