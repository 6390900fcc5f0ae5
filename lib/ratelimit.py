"""Fixed-window rate limits shared by every process of one installation.

Public forms attract scripts: sign-ups, complaints, uploads and password resets are
limited per account and per address. A window is coarse but cheap, and the limits are
far above what a person does by hand.

With Redis (REDIS_URL) the counters are Redis keys, whose INCR is atomic. Without it
they are rows of lib.models.RateCounter: the zero-setup cache is no place for them, as
a per-process memory cache lets each web worker grant the whole limit again, and the
file and database caches lose hits when two processes count at once.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from .models import RateCounter


def client_address(request: HttpRequest) -> str:
    # Behind a proxy, REMOTE_ADDR is the proxy; deployments that need the client's address
    # set the proxy to overwrite X-Real-IP and name it here, never trust what clients send.
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def _hit_database(key: str, expires_at: datetime, amount: int, now: datetime) -> int:
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    key_col, count_col, expires_col = (connection.ops.quote_name(c) for c in ("key", "count", "expires_at"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_col}, {count_col}, {expires_col}) VALUES (%s, %s, %s) "  # noqa: S608 - names are ours, values are parameters
            f"ON CONFLICT ({key_col}) DO UPDATE SET {count_col} = {table}.{count_col} + %s "
            f"RETURNING {count_col}",
            [key, amount, connection.ops.adapt_datetimefield_value(expires_at), amount],
        )
        total = cursor.fetchone()[0]
    if total == amount:
        # The first hit of a window: a good moment to drop the windows that have ended,
        # so the table stays as small as the number of active keys.
        RateCounter.objects.filter(expires_at__lt=now).delete()
    return total


def hit(keys: dict[str, int], window: int, amount: int = 1) -> bool:
    """Count `amount` against each key; True while every key's window total stays within
    its limit (`keys` maps each key to its limit)."""
    now = timezone.now()
    start = int(now.timestamp()) // window * window
    windows = {f"rl:{key}:{start}": limit for key, limit in keys.items()}
    if settings.REDIS_URL:
        totals = cache.add_to_counters(dict.fromkeys(windows, amount), timeout=window)
    else:
        ends = datetime.fromtimestamp(start + window, tz=UTC)
        totals = [_hit_database(key, ends + timedelta(seconds=1), amount, now) for key in windows]
    return all(total <= limit for total, limit in zip(totals, windows.values(), strict=True))


def _who(value: str) -> str:
    # Numbers, emails and addresses are personal data: the counters keep only a digest,
    # which also bounds the key's length.
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def allow(request: HttpRequest, scope: str, amount: int = 1, account: str = "") -> bool:
    """Whether this request may go on, counting it against the account's and the address's
    limits. `account` names who is acted for (a typed number or email) when nobody is
    logged in; otherwise the logged-in user is the account."""
    limits = settings.RATE_LIMITS.get(scope)
    if not limits:
        return True
    per_account, per_address, window = limits
    keys = {f"{scope}:addr:{_who(client_address(request))}": per_address}
    user = getattr(request, "user", None)
    if not account and user is not None and user.is_authenticated:
        account = f"user:{user.pk}"
    if account:
        keys[f"{scope}:account:{_who(account)}"] = per_account
    return hit(keys, window, amount)
