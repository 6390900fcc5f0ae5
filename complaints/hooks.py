"""Work the apps above start when complaints change, without complaints importing them.

complaints sits low in the layers; case work (collector profiles) and notifications
(the reminder sweep) sit above it. They register here in their `AppConfig.ready()`, and
the complaint services call the hooks, after commit, where the change happens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


# Something happened on a complaint that someone must be told about at once (issue 16).
# The apps where it happens (cases, complaints, evidence, escalations) emit it; notifications,
# above them all, registers the listener that decides who is told and how. Emitted after
# commit (`transaction.on_commit(lambda: case_activity(...))`), so a rollback tells nobody.


class Activity:
    """What happened. Plain strings, so a listener can match without importing the emitter."""

    INFO_REQUESTED = "info_requested"  # an advocate asked the borrower something
    ADVOCATE_MESSAGE = "advocate_message"  # an advocate wrote to the borrower
    STATUS_CHANGED = "status_changed"  # the complaint's status moved
    REPLY_RECEIVED = "reply_received"  # a body's reply arrived by mail into the case
    INFO_ANSWERED = "info_answered"  # the borrower answered a request
    INCIDENT_ADDED = "incident_added"  # the borrower logged an incident
    EVIDENCE_ADDED = "evidence_added"  # the borrower uploaded evidence
    MAIL_UNMATCHED = "mail_unmatched"  # inbound mail went to the admins' queue (no complaint)
    MAIL_BOUNCED = "mail_bounced"  # a sent letter bounced: the borrower must use another way
    # Asked after closing, the borrower said the harassment goes on (the same or worse): the
    # case was reopened; tell the advocates. `object_id` is the cases.FollowUp, `detail` the answer.
    HARASSMENT_CONTINUES = "harassment_continues"


@dataclass(frozen=True)
class CaseActivity:
    kind: str
    # None only for MAIL_UNMATCHED.
    complaint: Any
    # Who did it (None for mail from outside); never told about their own act.
    actor: Any
    at: datetime
    # The id of what it is about (request, escalation, incident, evidence, inbound mail),
    # so one act is told once however often it is emitted.
    object_id: int = 0
    # Short, already safe to show (no third party's personal data).
    detail: str = ""


CaseActivityListener = Callable[[CaseActivity], None]
_case_activity: list[CaseActivityListener] = []


def on_case_activity(listener: CaseActivityListener) -> None:
    if listener not in _case_activity:
        _case_activity.append(listener)


def case_activity(event: CaseActivity) -> None:
    for listener in _case_activity:
        listener(event)
