"""What `make bench` measures: shared by run.py (over HTTP) and probe.py (in-process)."""

from __future__ import annotations

import re
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
        Endpoint(
            "route",
            "/regulators/route/?lender=" + quote("安逸花") + "&province=440000",
            None,
            "public route finder: a brand and a province",
        ),
        Endpoint("inbox", "/notifications/", "borrower", "borrower's notifications (reminders)"),
        Endpoint(
            "letter_wait",
            f"/regulators/complaints/{f['complaint']}/letters/{f['letter_target']}/letter.pdf",
            "borrower",
            "the letter PDF asked for while a worker renders it: the page that waits",
        ),
    ]


# Filing a complaint (complaints/forms.py): what a browser posts from /complaints/new/.
FILING_PATH = "/complaints/new/"
FILING_INCIDENTS = 3
_CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def filing_page(html: bytes) -> tuple[str, bool]:
    """The form's CSRF token, and whether it asks for consent (only until it is given)."""
    match = _CSRF_FIELD.search(html)
    if not match:
        raise ValueError("no CSRF token on the filing page")
    return match.group(1).decode(), b'name="consent_sensitive"' in html


def filing_form(token: str, *, consent: bool, serial: int) -> list[tuple[str, str]]:
    """The filing form with FILING_INCIDENTS incidents, submitted rather than saved as a
    draft (the button named "action"); `serial` varies the numbers from one filing to the next."""
    fields = [
        ("csrfmiddlewaretoken", token),
        ("lender_name", "小赢卡贷"),  # picked from the suggestions, as most people do
        ("funding_name", ""),
        ("filer_relation", "self"),
        ("province", "440000"),
        ("summary", "催收人员每天给我的家人和同事打电话，说我是骗子，还威胁要上门。"),
        ("desired_outcomes", "stop_third_parties"),
        ("desired_outcomes", "stop_harassment"),
        ("loan_amount", "12000"),
        ("loan_date", "2025-03-15"),
        ("is_overdue", "true"),
    ]
    if consent:
        fields.append(("consent_sensitive", "on"))
    fields += [
        ("incidents-TOTAL_FORMS", str(FILING_INCIDENTS)),
        ("incidents-INITIAL_FORMS", "0"),
        ("incidents-MIN_NUM_FORMS", "0"),
        ("incidents-MAX_NUM_FORMS", "30"),
    ]
    kinds = ["third_parties", "threats", "night_calls"]
    for i in range(FILING_INCIDENTS):
        p = f"incidents-{i}-"
        fields += [
            (p + "occurred_at", f"2026-10-{10 + i:02d}T2{i}:15"),
            (p + "channel", "call"),
            (p + "kind", kinds[i % len(kinds)]),
            (p + "collector_id", f"171 {serial % 10000:04d} {i:04d}"),
            (p + "contacted", "family" if i % 2 else "self"),
            (p + "contacted_count", "2" if i % 2 else ""),
            (p + "third_party_number", "13912345678" if i % 2 else ""),
            (p + "description", "打电话给我母亲，说不还钱就去家里。"),
        ]
    fields.append(("action", "submit"))
    return fields
