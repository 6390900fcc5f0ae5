"""Nothing lost when the broker is down; a real worker on the real Redis delivers end to end."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, Status
from config.celery import app as celery_app
from notifications import services
from notifications.models import Delivery, Kind, Preference, Reminder
from tests.factories import ComplaintFactory, IncidentFactory, consented


@pytest.fixture
def dead_broker(monkeypatch):
    """The app pointed at a port where no broker listens, and tasks really sent to it."""
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("task_always_eager", "broker_url")}
    conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")
    # Celery keeps its connections in pools made at first use: start fresh ones for the
    # dead broker, and let monkeypatch put the real ones back afterwards.
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    yield
    conf.update(saved)


@pytest.mark.django_db
def test_a_submission_succeeds_with_the_broker_down_and_the_sweep_catches_up(
    client, borrower, dead_broker, django_capture_on_commit_callbacks
):
    complaint = ComplaintFactory(filer=consented(borrower), status=Status.DRAFT)
    IncidentFactory(complaint=complaint)
    client.force_login(borrower)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("complaints:transition", args=[complaint.reference]), {"to_status": "submitted"}
        )

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED
    assert not Reminder.objects.exists()  # the nudge could not be delivered...

    services.sweep(now=timezone.now())  # ...and the scheduled sweep does the work

    assert Reminder.objects.filter(kind=Kind.SUBMITTED, recipient=borrower).count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_delivers_a_reminder(borrower, require_services):
    if not settings.REDIS_URL:
        require_services("REDIS_URL is not set: the end-to-end worker test needs the real Redis")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as e:
        require_services(f"Redis does not answer: {e}")
    from celery.contrib.testing.worker import start_worker

    from notifications.tasks import sweep

    borrower.email = "alice@example.com"
    borrower.save()
    # The real clock runs here (a worker thread): quiet hours would hold the email until 08:00.
    Preference.objects.create(user=borrower, quiet_hours=False)
    draft = ComplaintFactory(filer=borrower, status=Status.DRAFT)
    Complaint.objects.filter(pk=draft.pk).update(updated=timezone.now() - timedelta(days=2))
    celery_app.control.purge()  # leftovers of other tests are not this test's business

    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        sweep.delay()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if Delivery.objects.filter(channel="email", state=Delivery.State.SENT).exists():
                break
            time.sleep(0.2)

    reminder = Reminder.objects.get(kind=Kind.DRAFT_STALE)
    assert reminder.recipient == borrower
    assert Delivery.objects.get(reminder=reminder, channel="email").state == Delivery.State.SENT


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_reminder_once(require_services):
    from concurrent.futures import ThreadPoolExecutor

    from django.core import mail
    from django.db import connection, connections

    from tests.factories import UserFactory

    if connection.vendor != "postgresql":
        require_services("concurrent sweeps need PostgreSQL (SQLite serialises writers)")
    people = [UserFactory(email=f"p{i}@example.com") for i in range(20)]
    for person in people:
        # The real clock: quiet hours (21:00-08:00 in Beijing) would hold every email.
        Preference.objects.create(user=person, quiet_hours=False)
        draft = ComplaintFactory(filer=person, status=Status.DRAFT)
        Complaint.objects.filter(pk=draft.pk).update(updated=timezone.now() - timedelta(days=2))
    now = timezone.now()

    def run() -> None:
        try:
            services.sweep(now=now)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(run) for _ in range(4)]:
            future.result()

    assert Reminder.objects.filter(kind=Kind.DRAFT_STALE).count() == 20
    assert Delivery.objects.filter(channel="email", state=Delivery.State.SENT).count() == 20
    assert len(mail.outbox) == 20
