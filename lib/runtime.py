"""The web worker's garbage collector, once the worker is warm.

A worker holds some 150,000 long-lived objects (modules, Django's registries, compiled
templates) that Python's full collections walk through again and again: each took 50 to
85 ms, and they made the queue's slowest 1 % of requests four times slower than its median
(`make bench`). After the first requests have loaded what a worker keeps, one collection
clears what is garbage and `gc.freeze()` moves the rest out of the collector's sight:
full collections then take about 3 ms.
"""

from __future__ import annotations

import gc
from typing import Any

from django.core.signals import request_finished

WARM_AFTER_REQUESTS = 100
_DISPATCH_UID = "lib.runtime.freeze-when-warm"


class _FreezeWhenWarm:
    def __init__(self, after: int) -> None:
        self.left = after

    def __call__(self, **kwargs: Any) -> None:
        self.left -= 1
        if self.left > 0:
            return
        request_finished.disconnect(dispatch_uid=_DISPATCH_UID)
        gc.collect()  # first: garbage frozen now would never be freed
        gc.freeze()


def freeze_when_warm(after: int = WARM_AFTER_REQUESTS) -> None:
    """For a server process (gunicorn.conf.py's post_worker_init): freeze what is alive
    after `after` requests."""
    request_finished.connect(_FreezeWhenWarm(after), weak=False, dispatch_uid=_DISPATCH_UID)
