"""Rate limits counted in Redis: each key against its own limit, a new window's key
given its lifetime, every counter of a request in one round trip, and concurrent
requests granted exactly the limit between them."""

from __future__ import annotations

import threading

import pytest
import redis
from django.test import RequestFactory

from lib import ratelimit
from tests.conftest import missing_service


@pytest.fixture
def redis_cache(settings):
    if not settings.REDIS_URL:
        missing_service("REDIS_URL is not set: the rate limits' Redis counters need the real Redis")
    from django.core.cache import cache

    return cache


def test_each_key_counts_against_its_own_limit(redis_cache):
    keys = {"test:tight": 2, "test:loose": 5}

    answers = [ratelimit.hit(keys, window=60) for _ in range(3)]

    assert answers == [True, True, False]
    assert ratelimit.hit({"test:loose": 5}, window=60)  # 4 of 5: the loose one alone still passes


def test_a_new_window_lives_as_long_as_the_window(redis_cache):
    ratelimit.hit({"test:ttl": 3}, window=60)

    client = redis_cache._cache.get_client(write=True)
    [key] = client.keys(redis_cache.make_and_validate_key("rl:test:ttl:*"))
    assert 0 < client.ttl(key) <= 60


def test_a_request_counts_its_address_and_account_in_one_round_trip(redis_cache, monkeypatch, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "test": (5, 5, 60)}
    request = RequestFactory().post("/", REMOTE_ADDR="10.1.2.3")
    ratelimit.allow(request, "test", account="13800000000")  # loads the script once
    commands: list[str] = []
    real = redis.Redis.execute_command

    def counted(self, *args, **kwargs):
        commands.append(args[0])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)

    assert ratelimit.allow(request, "test", account="13800000000")
    assert commands == ["EVALSHA"]


def test_concurrent_requests_get_exactly_the_limit(redis_cache):
    allowed: list[int] = []
    start = threading.Barrier(4)

    def requests() -> None:
        start.wait()
        allowed.append(sum(ratelimit.hit({"test:shared": 10}, window=60) for _ in range(15)))

    threads = [threading.Thread(target=requests) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(allowed) == 10
