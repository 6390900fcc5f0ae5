"""Fixed-window rate limits kept in the cache (Redis in production, shared by all workers).

Public forms attract scripts: sign-ups, complaints and uploads are limited per account
and per address. A window is coarse but cheap, and the limits are far above what a person
does by hand.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    # Behind a proxy, REMOTE_ADDR is the proxy; deployments that need the client's address
    # set the proxy to overwrite X-Real-IP and name it here, never trust what clients send.
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def _hit(key: str, limit: int, window: int, amount: int) -> bool:
    """Count `amount` against the key; True while the total stays within `limit`."""
    if cache.add(key, 0, timeout=window):
        pass
    try:
        total = cache.incr(key, amount)
    except ValueError:  # expired between add and incr
        cache.set(key, amount, timeout=window)
        total = amount
    return total <= limit


def allow(request: HttpRequest, scope: str, amount: int = 1) -> bool:
    """Whether this request may go on, counting it against the user's and the address's limits."""
    limits = settings.RATE_LIMITS.get(scope)
    if not limits:
        return True
    per_user, per_address, window = limits
    ok = _hit(f"rl:{scope}:addr:{client_address(request)}", per_address, window, amount)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        ok = _hit(f"rl:{scope}:user:{user.pk}", per_user, window, amount) and ok
    return ok
