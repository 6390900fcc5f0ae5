"""Under CI's second pass the suite must really run on PostgreSQL and Redis."""

from __future__ import annotations

import os

import pytest
import redis
from django.conf import settings
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
