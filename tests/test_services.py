"""Under CI's second pass the suite must really run on PostgreSQL and Redis."""

from __future__ import annotations

import os
from importlib import import_module

import pytest
import redis
from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.db import connection

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def test_it_runs_on_postgresql_when_configured(require_services):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        require_services("DATABASE_URL does not point at PostgreSQL")

    assert connection.vendor == "postgresql"


def test_redis_is_the_broker_and_cache_when_configured(require_services, client):
    if not settings.REDIS_URL:
        require_services("REDIS_URL is not set")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as e:
        require_services(f"Redis does not answer: {e}")

    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert client.get("/healthz").json()["broker"] == "ok"
    from django.core.cache import cache

    cache.set("services-check", "yes", 5)
    assert cache.get("services-check") == "yes"


def test_the_redis_cache_shares_one_client_and_sessions_read_from_it(require_services, client, borrower):
    if not settings.REDIS_URL:
        require_services("REDIS_URL is not set")
    from django.core.cache import cache

    backend = cache._cache  # the client wrapper of lib.cache.RedisCache
    assert backend.get_client() is backend.get_client(write=True)
    cache.set_many({"a": 1, "b": 2}, 5)
    assert cache.get_many(["a", "b"]) == {"a": 1, "b": 2}

    assert issubclass(import_module(settings.SESSION_ENGINE).SessionStore, cached_db.SessionStore)
    client.force_login(borrower)
    assert client.get("/complaints/mine/").status_code == 200
    client.logout()
    assert client.get("/complaints/mine/").status_code == 302  # an ended session is ended everywhere
