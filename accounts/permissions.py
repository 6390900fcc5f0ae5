"""Roles. What each role may do with a complaint is decided in complaints/permissions.py,
which builds on these."""

from __future__ import annotations

from typing import Any


def is_caseworker(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_caseworker)


def is_admin(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_admin_role)
