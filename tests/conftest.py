from __future__ import annotations

import os
import shutil
from collections.abc import Callable

import pytest
from django.conf import settings

from tests.factories import UserFactory

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def missing_service(reason: str) -> None:
    """Skip for a missing service, except in CI's second pass, where it is a failure."""
    if settings.REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES is set but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached figures from one test must not leak into the next (nor a sweep or a recount
    one queued)."""
    from django.core.cache import cache

    from cases.collectors import forget_nudge as forget_recount
    from notifications.tasks import forget_nudge

    cache.clear()
    forget_nudge()
    forget_recount()
    yield


@pytest.fixture
def sms_outbox() -> list[tuple[str, str]]:
    """What the test SMS backend (lib.sms.MemorySmsBackend) sent: (number, text) pairs."""
    from lib.sms import MemorySmsBackend

    MemorySmsBackend.outbox.clear()
    return MemorySmsBackend.outbox


@pytest.fixture
def tasks_run_here():
    """Run Celery tasks in this process, also in the run against Redis (where they would
    otherwise wait in the broker for a worker the test does not start)."""
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def require_services() -> Callable[[str], None]:
    return missing_service


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    path = chromium_path()
    if path is None:
        missing_service("Debian's chromium is not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


@pytest.fixture
def context(context):
    """axe-core in every browser page, injected by the browser itself: the site's CSP
    forbids injected script tags, rightly, so the tests do not weaken it to run axe."""
    from pathlib import Path

    context.add_init_script(path=str(Path(__file__).resolve().parent / "vendor" / "axe.min.js"))
    return context


@pytest.fixture
def borrower(db):
    return UserFactory(phone="13911112222", display_name="Alice")


@pytest.fixture
def other_borrower(db):
    return UserFactory(phone="13933334444", display_name="Charlie")


@pytest.fixture
def advocate(db):
    return UserFactory(username="bob", phone="13922223333", role="advocate", display_name="Bob")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", phone="13900009999", role="admin", is_staff=True, is_superuser=True)


# --- The seeded directory and conduct rules, as `make run` leaves them ----------------


@pytest.fixture
def seeded(db) -> None:
    """The directory as `seed_regulators` leaves it."""
    from regulators.services import regulators_seed

    regulators_seed()


@pytest.fixture
def conduct_rules(db) -> None:
    """The conduct rules as `seed_conduct_rules` leaves them."""
    from escalations.seed import conduct_rules_seed

    conduct_rules_seed()
