"""Planning reminders in bulk (issue 20: the follow-up questions plan 500 a sweep, and one
at a time cost 3 to 5 queries each): a constant number of queries however many are due,
and a batch that meets a reminder another sweep planned meanwhile falls back to one at a
time, creating the rest and nothing twice."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Status
from lib.china import CHINA_TZ
from notifications import services
from notifications.models import Delivery, Kind, Preference, Reminder
from tests.factories import ComplaintFactory, UserFactory, consented

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 12, 2, 12, 0, tzinfo=CHINA_TZ)


def stale_drafts(n: int, first: int = 0) -> list:
    people = []
    for i in range(n):
        number = first + i
        person = consented(UserFactory(phone=f"1391000{number:04d}", email=f"p{number}@example.com"))
        if i % 2:
            Preference.objects.update_or_create(user=person, defaults={"email": False, "sms": True})
        complaint = ComplaintFactory(filer=person, status=Status.DRAFT)
        type(complaint).objects.filter(pk=complaint.pk).update(updated=NOON)
        people.append(person)
    return people


def planned_queries(n: int, first: int = 0) -> int:
    stale_drafts(n, first)
    with CaptureQueriesContext(connection) as ctx:
        planned = services.reminders_plan(now=NOON + timedelta(days=1, hours=1))
    assert len(planned) == n
    return len(ctx.captured_queries)


def test_planning_30_reminders_costs_no_more_queries_than_3():
    few = planned_queries(3)
    many = planned_queries(30, first=100)

    # The planners' own queries may differ by one with what exists already; one at a
    # time, 27 more reminders cost about 100 more.
    assert many <= few + 1


def test_each_planned_reminder_has_the_deliveries_its_person_chose():
    people = stale_drafts(4)

    services.reminders_plan(now=NOON + timedelta(days=1, hours=1))

    for i, person in enumerate(people):
        reminder = Reminder.objects.get(recipient=person, kind=Kind.DRAFT_STALE)
        channels = sorted(Delivery.objects.filter(reminder=reminder).values_list("channel", flat=True))
        assert channels == (["app", "sms"] if i % 2 else ["app", "email"])
        assert reminder.title


def test_a_reminder_planned_meanwhile_by_another_sweep_is_not_made_twice(monkeypatch):
    people = stale_drafts(3)
    now = NOON + timedelta(days=1, hours=1)
    found = services.reminders_plan(now=now, dry_run=True)
    # Another sweep plans the first one between this sweep's finding and its creating.
    monkeypatch.setattr(services, "PLANNERS", [lambda now: iter(found)])
    services.reminder_create(found[0], now=now)

    planned = services.reminders_plan(now=now)

    assert [due.recipient for due in planned] == people[1:]
    assert Reminder.objects.filter(kind=Kind.DRAFT_STALE).count() == 3
    assert Delivery.objects.filter(reminder__recipient=people[0]).count() == 2


def test_a_batch_meeting_reminders_planned_meanwhile_is_made_again_in_bulk(monkeypatch):
    def queries_with_one_planned_meanwhile(n: int, first: int) -> int:
        stale_drafts(n, first)
        now = NOON + timedelta(days=1, hours=1)
        found = services.reminders_plan(now=now, dry_run=True)
        monkeypatch.setattr(services, "PLANNERS", [lambda now: iter(found)])
        services.reminder_create(found[0], now=now)
        with CaptureQueriesContext(connection) as ctx:
            planned = services.reminders_plan(now=now)
        assert len(planned) == n - 1
        monkeypatch.undo()
        return len(ctx.captured_queries)

    few = queries_with_one_planned_meanwhile(3, first=0)
    many = queries_with_one_planned_meanwhile(30, first=100)

    # One at a time, 27 more would cost about 100 more queries.
    assert many <= few + 1
    assert Reminder.objects.filter(kind=Kind.DRAFT_STALE).count() == 33


def test_a_weekly_digest_already_sent_this_week_does_not_send_the_sweep_one_at_a_time(admin_user):
    from regulators.models import Regulator

    Regulator.objects.create(name_zh="某局", kind="police", verified_at=None)
    monday_ten = datetime(2026, 11, 30, 10, 0, tzinfo=CHINA_TZ)
    first = services.reminders_plan(now=monday_ten)
    assert Kind.DIRECTORY_DIGEST in {due.kind for due in first}
    stale_drafts(20)

    with CaptureQueriesContext(connection) as ctx:
        again = services.reminders_plan(now=NOON + timedelta(days=1, hours=1))  # the same week

    assert {due.kind for due in again} == {Kind.DRAFT_STALE}
    assert not [q for q in ctx.captured_queries if "SAVEPOINT" in q["sql"] and "ROLLBACK" in q["sql"]]
    assert Reminder.objects.filter(kind=Kind.DIRECTORY_DIGEST, recipient=admin_user).count() == 1


def test_whether_a_reminder_is_planned_is_probed_row_by_row_whatever_the_statistics():
    """After many questions at once, PostgreSQL's statistics still see the tables as they
    were: as an anti-join, the follow-up planner then read every reminder of the kind for
    each question (minutes at a million complaints). Probed, it is one index lookup a row."""
    from cases import followups
    from tests.conftest import missing_service

    if connection.vendor != "postgresql":
        missing_service("the query plan is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_followup")
        cursor.execute("ANALYZE notifications_reminder")
    planner = followups.followups_to_tell(since=NOON).filter(~services._not_planned(Kind.FOLLOWUP))

    plan = planner.explain()

    assert "Anti Join" not in plan
    assert "SubPlan" in plan
