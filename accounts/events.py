"""What other apps do when something happens to an account: its security changes, its
data is exported.

accounts sits low in the layers and must not import the audit trail or notifications,
which sit above it; they register a listener here in their `AppConfig.ready()` instead.
Listeners run inside the caller's transaction, so a change that rolls back leaves no
audit row and no message behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class SecurityEvent:
    user: Any
    kind: str
    at: datetime
    detail: str = ""


TWO_FACTOR_ADDED = "two_factor_added"
TWO_FACTOR_REPLACED = "two_factor_replaced"
DATA_EXPORTED = "data_exported"
TWO_FACTOR_KINDS = (TWO_FACTOR_ADDED, TWO_FACTOR_REPLACED)

SecurityListener = Callable[[SecurityEvent], None]

_listeners: list[SecurityListener] = []


def on_security_event(listener: SecurityListener) -> None:
    """Register once per process; `ready()` may run again in tests, hence the check."""
    if listener not in _listeners:
        _listeners.append(listener)


def security_event_emit(event: SecurityEvent) -> None:
    for listener in _listeners:
        listener(event)
