"""A worker killed in the middle of a reminder batch (issue 20): the drain writes its marks
once per batch, and whoever takes the batch back sends nothing twice and loses nothing.

The kill is simulated: after a few sends the next one raises, and from then on nothing of
the dying run is written (no marks, no commit callbacks), as after a SIGKILL."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import services
from notifications.models import Delivery
from tests.notifications.test_sweep import NOON, _many_emails_due, _statements

pytestmark = pytest.mark.django_db

MEMORY_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "notes"}}


class Killed(BaseException):
    """Not an Exception: nothing in the drain may catch it, as nothing catches SIGKILL."""


@pytest.fixture(params=["redis", "memory"])
def notes(request, settings, require_services) -> str:
    """Where the sends are noted: the real Redis of the settings (CI's second pass), or a
    memory cache standing in for it in the first pass (one process: it is shared here)."""
    if request.param == "redis":
        if not settings.REDIS_URL:
            require_services("REDIS_URL is not set: the notes of sends are tested on the real Redis")
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
        except redis.RedisError as e:
            pytest.fail(f"REDIS_URL is set but Redis does not answer: {e}", pytrace=False)
        # With Redis, noting each send is the default.
        assert settings.NOTIFICATIONS_RECORD_SENDS is True
    else:
        settings.CACHES = MEMORY_CACHE
        settings.NOTIFICATIONS_RECORD_SENDS = True
        from django.core.cache import cache

        cache.clear()  # a memory cache outlives the test's rolled-back rows and their ids
    return request.param


def kill_after(monkeypatch: pytest.MonkeyPatch, sends: int) -> None:
    """The process dies while the message after `sends` is being sent: nothing more of it
    is written."""
    real, calls = services._deliver, []

    def deliver(delivery: Delivery, **kwargs: Any) -> str | None:
        if len(calls) == sends:
            monkeypatch.setattr(services._Marks, "write", lambda self: None)
            raise Killed
        calls.append(delivery.pk)
        return real(delivery, **kwargs)

    monkeypatch.setattr(services, "_deliver", deliver)


def run_killed(monkeypatch: pytest.MonkeyPatch, *, sends: int, claim: uuid.UUID) -> None:
    kill_after(monkeypatch, sends)
    with pytest.raises(Killed):
        services.deliveries_send(now=NOON + timedelta(minutes=1), claim=claim)
    monkeypatch.undo()


def sent_once_each(ids: list[int]) -> None:
    counts = Counter(m.subject for m in mail.outbox)
    assert counts == Counter(f"提醒 {i}" for i in range(len(ids)))
    assert set(Delivery.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"sent"}


@pytest.mark.parametrize("taken_back_by", ["the same task", "another sweep, once the claim is stale"])
def test_it_sends_nothing_twice_when_a_worker_dies_mid_batch(notes, monkeypatch, taken_back_by):
    ids = _many_emails_due(10)
    run = uuid.uuid4()
    run_killed(monkeypatch, sends=4, claim=run)

    assert len(mail.outbox) == 4
    # Nothing was marked: the marks wait for the end of the batch.
    assert not Delivery.objects.filter(pk__in=ids, state=Delivery.State.SENT).exists()

    if taken_back_by == "the same task":
        sent = services.deliveries_send(now=NOON + timedelta(minutes=2), claim=run)
    else:
        assert services.deliveries_send(now=NOON + timedelta(minutes=2)) == 0  # still claimed
        sent = services.deliveries_send(now=NOON + timedelta(minutes=12))

    assert sent == 6
    sent_once_each(ids)


def test_it_drains_500_emails_in_a_few_queries(notes):
    _many_emails_due(500)

    with CaptureQueriesContext(connection) as ctx:
        sent = services.deliveries_send(now=NOON + timedelta(minutes=1), limit=500)

    assert sent == 500 == len(mail.outbox)
    # Find, claim, load, check none went obsolete; one UPDATE marks all 500 at the end.
    assert len(_statements(ctx)) == 5 <= 500 * 0.05
    assert not Delivery.objects.exclude(state=Delivery.State.SENT).exists()


def test_without_redis_each_message_is_marked_as_it_goes(settings, monkeypatch):
    """The default without REDIS_URL (SQLite, the file cache): no notes, one UPDATE per
    message, and a worker killed half way still sends nothing twice."""
    if settings.REDIS_URL:
        settings.NOTIFICATIONS_RECORD_SENDS = False
    assert settings.NOTIFICATIONS_RECORD_SENDS is False
    assert settings.NOTIFICATIONS_MARK_EVERY_SECONDS == 0
    ids = _many_emails_due(10)
    run = uuid.uuid4()
    run_killed(monkeypatch, sends=4, claim=run)

    assert Delivery.objects.filter(pk__in=ids, state=Delivery.State.SENT).count() == 4
    with CaptureQueriesContext(connection) as ctx:
        assert services.deliveries_send(now=NOON + timedelta(minutes=2), claim=run) == 6

    assert len(_statements(ctx)) == 4 + 6  # find, claim, load, check; then a mark per message
    sent_once_each(ids)


class BrokenNotes:
    """The cache as Redis going away: writes fail from the `fails_from`-th on, and reads
    fail once `reads_fail` is set."""

    def __init__(self, fails_from: int, reads_fail: bool = False) -> None:
        from django.core.cache import cache

        self.cache, self.fails_from, self.reads_fail, self.writes = cache, fails_from, reads_fail, 0

    def set(self, *args: Any, **kwargs: Any) -> None:
        self.writes += 1
        if self.writes >= self.fails_from:
            raise redis.ConnectionError("Redis went away")
        self.cache.set(*args, **kwargs)

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        if self.reads_fail:
            raise redis.ConnectionError("Redis went away")
        return self.cache.get_many(keys)

    def delete_many(self, keys: list[str]) -> None:
        self.cache.delete_many(keys)


def test_when_redis_goes_away_mid_batch_it_marks_each_message_at_once(notes, monkeypatch):
    ids = _many_emails_due(10)
    monkeypatch.setattr(services, "cache", BrokenNotes(fails_from=3))
    marked_before_next = []
    real = services._deliver

    def deliver(delivery: Delivery, **kwargs: Any) -> str | None:
        marked_before_next.append(Delivery.objects.filter(pk__in=ids, state=Delivery.State.SENT).count())
        if len(marked_before_next) == 7:
            monkeypatch.setattr(services._Marks, "write", lambda self: None)
            raise Killed
        return real(delivery, **kwargs)

    monkeypatch.setattr(services, "_deliver", deliver)
    with pytest.raises(Killed):
        services.deliveries_send(now=NOON + timedelta(minutes=1))
    monkeypatch.undo()

    # Two noted; the third could not be: the three are marked at once, then each as it goes.
    assert marked_before_next == [0, 0, 0, 3, 4, 5, 6]
    assert services.deliveries_send(now=NOON + timedelta(minutes=12)) == 4
    sent_once_each(ids)


def test_when_the_notes_cannot_be_read_what_a_dead_run_claimed_waits(notes, monkeypatch):
    ids = _many_emails_due(6)
    run = uuid.uuid4()
    run_killed(monkeypatch, sends=2, claim=run)

    # The task comes back while Redis is down: it cannot tell what went, so it sends none.
    monkeypatch.setattr(services, "cache", BrokenNotes(fails_from=1, reads_fail=True))
    assert services.deliveries_send(now=NOON + timedelta(minutes=2), claim=run) == 0
    monkeypatch.setattr(services, "cache", BrokenNotes(fails_from=10**6))

    assert len(mail.outbox) == 2
    # Their attempt is given back: waiting on Redis does not use up their retries.
    assert set(Delivery.objects.filter(pk__in=ids).values_list("state", "attempts")) == {("sending", 1)}
    assert services.deliveries_send(now=NOON + timedelta(minutes=14)) == 4
    sent_once_each(ids)
