"""Helpers for Celery tasks, shared by the apps' tasks.py."""

from __future__ import annotations

import uuid
from typing import Any


def run_claim(task: Any) -> uuid.UUID | None:
    """The task's id as a claim token: a message delivered again after its worker was
    killed keeps its id, so the new run can take back what the dead one had claimed."""
    try:
        return uuid.UUID(str(task.request.id))
    except ValueError:
        return None
