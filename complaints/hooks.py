"""Work the apps above start when complaints change, without complaints importing them.

complaints sits low in the layers; case work (collector profiles) and notifications
(the reminder sweep) sit above it. They register here in their `AppConfig.ready()`, and
the complaint services call the hooks, after commit, where the change happens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# Called with the collector keys whose incidents changed (added, or now counted).
CollectorsChanged = Callable[[list[str]], None]
# Called after a complaint was submitted, once the transaction committed.
Submitted = Callable[[], None]

_collectors_changed: list[CollectorsChanged] = []
_submitted: list[Submitted] = []


def on_collectors_changed(hook: CollectorsChanged) -> None:
    if hook not in _collectors_changed:
        _collectors_changed.append(hook)


def on_submitted(hook: Submitted) -> None:
    if hook not in _submitted:
        _submitted.append(hook)


def collectors_changed(keys: Iterable[str]) -> None:
    keys = sorted({k for k in keys if k})
    if keys:
        for hook in _collectors_changed:
            hook(keys)


def submitted() -> None:
    for hook in _submitted:
        hook()
