"""Versions of data that caches summarise: a cache key that includes the version is
unreachable once the data changes, so nothing has to find and delete the old entries.

The code that changes the data calls `bump` (a service, an admin save): at once, and
again after the transaction commits, because a page computed in between may have read
the old rows and stored them under the new version. A version is a random token, not a
counter: after an eviction a counter could start again at a number already used.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache
from django.db import transaction


def _key(name: str) -> str:
    return f"version:{name}"


def version(name: str) -> str:
    return cache.get_or_set(_key(name), lambda: uuid.uuid4().hex, None)


def bump(name: str) -> None:
    def new() -> None:
        cache.set(_key(name), uuid.uuid4().hex, None)

    new()
    transaction.on_commit(new, robust=True)


def stamped_get(name: str, key: str) -> tuple[str, Any]:
    """`name`'s current version, and what `key` holds if it was stored under that version
    (else None), in one round trip to the cache. Whoever computes the value afresh stores
    it with `stamped_set` under the version returned here, read before the data was: a
    change committed meanwhile has moved the version, and the entry is never read."""
    version_key = _key(name)
    found = cache.get_many([version_key, key])
    current = found.get(version_key) or version(name)
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == current:
        return current, entry[1]
    return current, None


def stamped_set(key: str, stamp: str, value: Any, timeout: int) -> None:
    cache.set(key, (stamp, value), timeout)


def many(names: list[str]) -> tuple[str, ...]:
    """The versions of `names`, in order, read in one round trip to the cache."""
    keys = [_key(name) for name in names]
    found = cache.get_many(keys)
    return tuple(found.get(key) or version(name) for key, name in zip(keys, names, strict=True))
