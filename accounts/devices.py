"""Whether a person has a confirmed two-step device, asked on every page they open."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django_otp import user_has_device


def _device_cache_key(user_id: int) -> str:
    return f"two-factor:has-device:{user_id}"


def has_confirmed_device(user: object) -> bool:
    """Asked on every page a logged-in user opens, so the answer is cached until one of
    their devices changes (`forget_device_answer`); otherwise it costs a query per page."""
    key = _device_cache_key(user.pk)  # type: ignore[attr-defined]
    found = cache.get(key)
    if found is None:
        found = user_has_device(user, confirmed=True)
        cache.set(key, found, 24 * 3600)
    return bool(found)


def forget_device_answer(user_id: int) -> None:
    """Called by whatever confirms or removes a device (services.two_factor_device_confirm,
    the device admin, the demo seed): at once, and again after the commit."""
    key = _device_cache_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key), robust=True)
