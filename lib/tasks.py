"""Helpers for Celery tasks, shared by the apps' tasks.py."""

from __future__ import annotations

import uuid
from time import monotonic
from typing import Any


def run_claim(task: Any) -> uuid.UUID | None:
    """The task's id as a claim token: a message delivered again after its worker was
    killed keeps its id, so the new run can take back what the dead one had claimed."""
    try:
        return uuid.UUID(str(task.request.id))
    except ValueError:
        return None


class Nudge:
    """Have a task run within `delay` seconds of a change, one message per `delay` and
    process: the first change of a burst queues it to start `delay` seconds later, and
    those that follow within them need none of their own, as it starts after they
    committed (call it after commit). Under load that is one message to the broker per
    few seconds and web worker instead of one per change (`make bench`: a publish cost a
    filing 0.6 to 0.8 ms)."""

    def __init__(self, delay: int) -> None:
        self.delay = delay
        # Until when (this process's monotonic clock) the task it queued is still to start.
        self.pending_until = 0.0

    def send(self, task: Any) -> None:
        now = monotonic()
        if now < self.pending_until:
            return
        task.apply_async(countdown=self.delay)
        # A second short of the delay: the worker's clock may run a little ahead of this one.
        self.pending_until = now + self.delay - 1

    def forget(self) -> None:
        """The next change queues its own (tests start each from nothing)."""
        self.pending_until = 0.0
