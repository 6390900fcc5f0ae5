from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js"
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "zh-CN", "viewport": PHONE}


@pytest.fixture
def login_as(live_server, context):
    """Put a logged-in session into the browser without going through the form."""

    def login(user) -> None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
        )

    return login


def serious_accessibility_violations(page) -> list[str]:
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the phone's screen, once its stylesheets
    and fonts are in: measured before them, a page is wider than it will be (CI saw 22 px
    on a case page right after a form's redirect)."""
    page.wait_for_load_state("load")
    return page.evaluate(
        "async () => { await document.fonts.ready; return document.documentElement.scrollWidth - window.innerWidth; }"
    )
