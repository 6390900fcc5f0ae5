"""The web worker freezes its long-lived objects once warm (lib/runtime.py), and gunicorn's
worker hook is what arms it: importing the application alone does not."""

from __future__ import annotations

import gc
import importlib
import runpy
import sys

import pytest
from django.conf import settings
from django.core.signals import request_finished

from lib import runtime

pytestmark = pytest.mark.django_db


def _armed() -> bool:
    return any(entry[0][0] == runtime._DISPATCH_UID for entry in request_finished.receivers)


@pytest.fixture
def calls(monkeypatch):
    """What the collector was asked to do, in order; each call still really happens."""
    made: list[str] = []
    real_collect, real_freeze = gc.collect, gc.freeze
    monkeypatch.setattr(gc, "collect", lambda *a: made.append("collect") or real_collect(*a))
    monkeypatch.setattr(gc, "freeze", lambda: made.append("freeze") or real_freeze())
    gc.unfreeze()
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


def test_importing_the_application_does_not_arm_the_freeze(calls):
    sys.modules.pop("config.wsgi", None)
    importlib.import_module("config.wsgi")

    assert not _armed()


def test_gunicorns_worker_hook_arms_it(client, calls):
    conf = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))

    conf["post_worker_init"](worker=None)

    assert _armed()
    for _ in range(runtime.WARM_AFTER_REQUESTS):
        client.get("/healthz")
    assert calls == ["collect", "freeze"]


def test_every_server_we_start_reads_gunicorn_conf():
    """The load test and the benchmark measure the server as deployed, freeze included."""
    for script in ("loadtest/run.py", "bench/run.py", "cluster/run.py"):
        source = (settings.BASE_DIR / script).read_text(encoding="utf-8")
        assert "gunicorn.conf.py" in source, script
