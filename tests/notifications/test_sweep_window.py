"""A sweep within the hour looks only at what changed since the sweep before (issue 20: its
time must follow what is due, not the size of the tables); once an hour, at everything.

The tests that show what a window leaves to the full sweep fail for a sweep that always
looks at everything; the others fail for a window that misses what it must see."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.cache import cache

from cases import services as case_services
from complaints import services as complaint_services
from complaints.models import Complaint, Status
from lib.china import CHINA_TZ
from notifications import services
from notifications.models import Delivery, Kind, Preference, Reminder
from tests.factories import ComplaintFactory, IncidentFactory, UserFactory, consented

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=CHINA_TZ)  # a Wednesday, noon


@pytest.fixture
def alice(db):
    return consented(UserFactory(username="13911112222", phone="13911112222", email="alice@example.com"))


def draft_quiet_since(filer, moment: datetime) -> Complaint:
    """A draft last edited at `moment`, written straight to the table: no timeline entry,
    as a change outside the services would leave it."""
    complaint = ComplaintFactory(filer=filer, status=Status.DRAFT)
    Complaint.objects.filter(pk=complaint.pk).update(updated=moment)
    return complaint


def reminded(kind: str) -> set[int]:
    return set(
        Reminder.objects.filter(kind=kind, cancelled_at__isnull=True).values_list("object_id", flat=True)
    )


def test_a_sweep_within_the_hour_plans_what_came_due_since_the_last_one(alice):
    services.sweep(now=T0)  # the first: full
    # Quiet for 24 hours five minutes after that sweep: it comes due in the window.
    comes_due = draft_quiet_since(alice, T0 - services.DRAFT_AFTER + timedelta(minutes=5))
    # Quiet for days, yet unseen by the last sweep: only a full sweep finds it.
    long_quiet = draft_quiet_since(alice, T0 - timedelta(days=3))

    services.sweep(now=T0 + timedelta(minutes=15))

    assert reminded(Kind.DRAFT_STALE) == {comes_due.pk}

    services.sweep(now=T0 + services.FULL_EVERY)  # an hour after the full one: full again

    assert reminded(Kind.DRAFT_STALE) == {comes_due.pk, long_quiet.pk}


def test_the_window_reaches_back_before_the_last_sweep(alice):
    """A request that began before a sweep and committed after it wrote a moment that
    sweep could not see: the next one looks back LOOK_BACK before the last one's moment."""
    services.sweep(now=T0)
    late = draft_quiet_since(alice, T0 - services.DRAFT_AFTER - timedelta(minutes=2))
    too_late = draft_quiet_since(alice, T0 - services.DRAFT_AFTER - services.LOOK_BACK - timedelta(minutes=1))

    services.sweep(now=T0 + timedelta(minutes=15))

    assert late.pk in reminded(Kind.DRAFT_STALE)
    assert too_late.pk not in reminded(Kind.DRAFT_STALE)  # left to the full sweep


def test_a_lost_mark_means_a_full_sweep(alice):
    services.sweep(now=T0)
    long_quiet = draft_quiet_since(alice, T0 - timedelta(days=3))
    cache.delete(services.SWEEP_MARK_KEY)  # Redis flushed, or the key expired

    services.sweep(now=T0 + timedelta(minutes=15))

    assert reminded(Kind.DRAFT_STALE) == {long_quiet.pk}


def test_a_clock_gone_back_means_a_full_sweep(alice):
    services.sweep(now=T0)
    long_quiet = draft_quiet_since(alice, T0 - timedelta(days=3))

    services.sweep(now=T0 - timedelta(minutes=5))

    assert reminded(Kind.DRAFT_STALE) == {long_quiet.pk}


def test_a_sweep_after_a_bulk_change_looks_at_everything(alice, advocate, monkeypatch):
    monkeypatch.setattr(services, "TOUCHED_AT_MOST", 0)
    services.sweep(now=T0)
    long_quiet = draft_quiet_since(alice, T0 - timedelta(days=3))
    complaint = ComplaintFactory(filer=alice, status=Status.SUBMITTED)
    case_services.case_assign(complaint=complaint, actor=advocate, assignee_id=advocate.pk, now=T0)

    services.sweep(now=T0 + timedelta(minutes=15))  # one complaint touched: more than 0

    assert reminded(Kind.DRAFT_STALE) == {long_quiet.pk}


def test_a_planner_stopped_at_its_limit_keeps_the_window_where_it_was(alice, monkeypatch):
    monkeypatch.setattr(services, "PER_SWEEP", 1)
    first = draft_quiet_since(alice, T0 - timedelta(days=3))
    second = draft_quiet_since(alice, T0 - timedelta(days=2))

    services.sweep(now=T0)  # full, and cut after one
    assert reminded(Kind.DRAFT_STALE) == {first.pk}

    services.sweep(now=T0 + timedelta(minutes=15))  # so this one is full too

    assert reminded(Kind.DRAFT_STALE) == {first.pk, second.pk}


def test_a_full_sweep_stopped_at_its_limit_leaves_everything_to_the_next(alice, monkeypatch):
    services.sweep(now=T0)  # the mark: a full sweep at T0
    monkeypatch.setattr(services, "PER_SWEEP", 1)
    first = draft_quiet_since(alice, T0 - timedelta(days=3))
    second = draft_quiet_since(alice, T0 - timedelta(days=2))

    services.sweep(now=T0 + timedelta(minutes=5), full=True)  # cut after one
    assert reminded(Kind.DRAFT_STALE) == {first.pk}

    services.sweep(now=T0 + timedelta(minutes=15))  # not the mark of T0's window: full

    assert reminded(Kind.DRAFT_STALE) == {first.pk, second.pk}


def test_a_case_released_after_two_days_alerts_the_advocates_at_the_next_sweep(alice, advocate):
    complaint = ComplaintFactory(filer=alice, status=Status.SUBMITTED, submitted_at=T0 - timedelta(days=5))
    case_services.case_assign(
        complaint=complaint, actor=advocate, assignee_id=advocate.pk, now=T0 - timedelta(days=4)
    )
    services.sweep(now=T0)
    assert reminded(Kind.UNREVIEWED) == set()

    # Released: its two days are long past, but its timeline moved in the window.
    case_services.case_assign(
        complaint=complaint, actor=advocate, assignee_id=None, now=T0 + timedelta(minutes=5)
    )
    services.sweep(now=T0 + timedelta(minutes=15))

    assert reminded(Kind.UNREVIEWED) == {complaint.pk}


def test_an_incident_logged_late_warns_of_the_limitation_at_the_next_sweep(alice):
    complaint = ComplaintFactory(filer=alice, status=Status.SUBMITTED, submitted_at=T0 - timedelta(days=30))
    IncidentFactory(complaint=complaint, occurred_at=T0 - timedelta(days=200))
    services.sweep(now=T0)
    assert reminded(Kind.LIMITATION_90) == set()

    # Logged today, it happened 2 years and 10 months ago: its three years end within 90 days.
    complaint_services.incident_add(
        complaint=complaint,
        actor=alice,
        now=T0 + timedelta(minutes=5),
        data={
            "occurred_at": T0 - timedelta(days=3 * 365 - 60),
            "channel": "call",
            "kind": "threats",
            "collector_id": "171 0000 2222",
            "description": "很早以前的威胁电话。",
        },
    )
    services.sweep(now=T0 + timedelta(minutes=15))

    assert reminded(Kind.LIMITATION_90) == {complaint.pk}


def test_a_sweep_within_the_hour_cancels_what_the_timeline_shows_changed(alice):
    draft = ComplaintFactory(filer=alice, status=Status.DRAFT)
    IncidentFactory(complaint=draft)
    Complaint.objects.filter(pk=draft.pk).update(updated=T0 - timedelta(days=2))
    Preference.objects.create(user=alice, email=True, quiet_hours=True)
    night = datetime(2026, 12, 2, 23, 0, tzinfo=CHINA_TZ)
    services.sweep(now=night)
    assert reminded(Kind.DRAFT_STALE) == {draft.pk}

    complaint_services.complaint_submit(complaint=draft, actor=alice, now=night + timedelta(minutes=5))
    result = services.sweep(now=night + timedelta(minutes=15))

    assert result.cancelled == 1
    assert reminded(Kind.DRAFT_STALE) == set()
    assert Delivery.objects.get(channel="email", reminder__kind=Kind.DRAFT_STALE).state == "cancelled"


def test_a_reminder_gone_stale_outside_the_timeline_is_cancelled_not_sent(alice):
    draft = draft_quiet_since(alice, T0 - timedelta(days=2))
    Preference.objects.create(user=alice, email=True, quiet_hours=True)
    night = datetime(2026, 12, 2, 23, 0, tzinfo=CHINA_TZ)
    services.sweep(now=night)
    # Submitted by a change no timeline shows: no sweep within the hour would cancel it.
    Complaint.objects.filter(pk=draft.pk).update(status=Status.SUBMITTED, submitted_at=night)
    mail.outbox.clear()

    sent = services.deliveries_send(now=night + timedelta(hours=9))  # 08:00: the email's time

    assert sent == 0
    assert mail.outbox == []
    assert Delivery.objects.get(channel="email").state == Delivery.State.CANCELLED
    assert Reminder.objects.get(kind=Kind.DRAFT_STALE).cancelled_at == night + timedelta(hours=9)


def test_a_complaint_recorded_as_sent_weeks_ago_is_overdue_at_the_next_sweep(alice):
    from escalations import services as escalations
    from escalations.models import EscalationChannel

    complaint = ComplaintFactory(filer=alice, status=Status.SUBMITTED, submitted_at=T0 - timedelta(days=60))
    IncidentFactory(complaint=complaint)
    services.sweep(now=T0)

    # Recorded today, sent to the lender seven weeks ago: its answer was due long before.
    escalation = escalations.escalation_record(
        complaint=complaint,
        actor=alice,
        lender=complaint.lender,
        channel=EscalationChannel.HOTLINE,
        sent_at=T0 - timedelta(days=50),
        now=T0 + timedelta(minutes=5),
    )
    assert escalation.due_at < T0
    services.sweep(now=T0 + timedelta(minutes=15))

    assert reminded(Kind.ESCALATION_OVERDUE) == {escalation.pk}
