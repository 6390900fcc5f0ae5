"""The web worker freezes its long-lived objects once warm (lib/runtime.py)."""

from __future__ import annotations

import gc

import pytest
from django.core.signals import request_finished

from lib import runtime

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(monkeypatch):
    """What the collector was asked to do, in order; each call still really happens."""
    made: list[str] = []
    real_collect, real_freeze = gc.collect, gc.freeze
    monkeypatch.setattr(gc, "collect", lambda *a: made.append("collect") or real_collect(*a))
    monkeypatch.setattr(gc, "freeze", lambda: made.append("freeze") or real_freeze())
    gc.unfreeze()
    # Importing config.wsgi (the bench tests do) connects the server's own receiver.
    request_finished.disconnect(dispatch_uid=runtime._DISPATCH_UID)
    yield made
    request_finished.disconnect(dispatch_uid=runtime._DISPATCH_UID)
    gc.unfreeze()


def test_the_worker_freezes_once_after_its_first_requests(client, calls):
    runtime.freeze_when_warm(after=3)

    client.get("/healthz")
    client.get("/healthz")
    assert calls == [] and gc.get_freeze_count() == 0

    client.get("/healthz")
    assert calls == ["collect", "freeze"]
    assert gc.get_freeze_count() > 10_000  # the modules, Django's registries, the templates

    for _ in range(5):
        client.get("/healthz")
    assert calls == ["collect", "freeze"]  # once only
