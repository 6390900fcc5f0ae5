"""Django's Redis cache, keeping one client per connection pool.

Django builds a new `redis.Redis` for every cache call, and redis-py's constructor sets
up its table of response callbacks each time: 0.5 ms of every case page (ten cache calls,
`make bench`). A client is safe to share; its pool hands each command a connection.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


# Adds an amount to each counter and gives a counter without one its lifetime, atomically.
_ADD_TO_COUNTERS = """
local totals = {}
for i, key in ipairs(KEYS) do
  totals[i] = redis.call('INCRBY', key, ARGV[i])
  if redis.call('TTL', key) < 0 then
    redis.call('EXPIRE', key, ARGV[#KEYS + 1])
  end
end
return totals
"""


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
        self._add_script: Any = None

    def add_to_counters(self, amounts: dict[str, int], timeout: int) -> list[int]:
        """Each counter's total after adding its amount; a new counter lives `timeout`
        seconds. One round trip for all of them: cache.add then cache.incr took three per
        counter (a filing counts two: six of the ten round trips it made to Redis)."""
        client = self._cache.get_client(write=True)
        if self._add_script is None:
            self._add_script = client.register_script(_ADD_TO_COUNTERS)
        keys = [self.make_and_validate_key(key) for key in amounts]
        return [
            int(total)
            for total in self._add_script(keys=keys, args=[*amounts.values(), timeout], client=client)
        ]
