from __future__ import annotations

import pytest

from config.celery import app as celery_app
from lib import health

pytestmark = pytest.mark.django_db


def test_it_reports_database_and_broker(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_503_when_the_broker_does_not(client, monkeypatch):
    # A port nothing listens on: the check must give up quickly and say so.
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")


def test_the_database_check_reports_a_failure(monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database is gone")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)

    assert health.check_database() == "error: RuntimeError"
