"""Reminders with a moved clock: each fires when due, not before, once, and is cancelled
when what it waited for happens."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from cases import services as case_services
from complaints import services as complaint_services
from complaints.models import Status
from lib import tasks as lib_tasks
from lib.china import CHINA_TZ
from lib.sms import MemorySmsBackend
from notifications import services, tasks
from notifications.models import Delivery, Kind, Preference, Reminder
from tests.factories import ComplaintFactory, IncidentFactory, UserFactory, consented

pytestmark = pytest.mark.django_db

BJ = CHINA_TZ
NOON = datetime(2026, 12, 2, 12, 0, tzinfo=BJ)  # a Wednesday


@pytest.fixture
def alice(db):
    return consented(UserFactory(username="13911112222", phone="13911112222", email="alice@example.com"))


def kinds_for(user) -> list[str]:
    return sorted(
        Reminder.objects.filter(recipient=user, cancelled_at__isnull=True).values_list("kind", flat=True)
    )


def test_a_stale_draft_reminds_after_24_hours_not_before(alice):
    complaint = ComplaintFactory(filer=alice, status=Status.DRAFT)
    type(complaint).objects.filter(pk=complaint.pk).update(updated=NOON)

    services.sweep(now=NOON + timedelta(hours=23, minutes=59))
    assert kinds_for(alice) == []

    services.sweep(now=NOON + timedelta(hours=24))
    assert kinds_for(alice) == [Kind.DRAFT_STALE]
    assert len(mail.outbox) == 1
    assert "草稿" in mail.outbox[0].subject


def test_running_the_sweep_twice_sends_nothing_twice(alice):
    complaint = ComplaintFactory(filer=alice, status=Status.DRAFT)
    type(complaint).objects.filter(pk=complaint.pk).update(updated=NOON)
    later = NOON + timedelta(days=1, hours=1)

    first = services.sweep(now=later)
    second = services.sweep(now=later)
    third = services.sweep(now=later + timedelta(minutes=15))

    assert (first.planned, first.sent) == (1, 1)
    assert (second.planned, second.sent) == (0, 0)
    assert (third.planned, third.sent) == (0, 0)
    assert len(mail.outbox) == 1
    assert Reminder.objects.count() == 1


def test_submitting_the_draft_cancels_its_reminder(alice):
    complaint = ComplaintFactory(filer=alice, status=Status.DRAFT)
    IncidentFactory(complaint=complaint)
    type(complaint).objects.filter(pk=complaint.pk).update(updated=NOON)
    Preference.objects.create(user=alice, email=True, quiet_hours=True)
    # Planned at night: the email waits for 08:00, and the draft is submitted before that.
    night = datetime(2026, 12, 3, 23, 0, tzinfo=BJ)
    services.sweep(now=night)
    assert Delivery.objects.get(channel="email").state == Delivery.State.PENDING

    complaint_services.complaint_submit(complaint=complaint, actor=alice, now=night + timedelta(hours=1))
    services.sweep(now=night + timedelta(hours=10))

    reminder = Reminder.objects.get(kind=Kind.DRAFT_STALE)
    assert reminder.cancelled_at is not None
    assert Delivery.objects.get(reminder=reminder, channel="email").state == Delivery.State.CANCELLED
    assert all("草稿" not in m.subject for m in mail.outbox)


def test_quiet_hours_defer_email_and_sms_to_eight(alice):
    Preference.objects.create(user=alice, email=True, sms=True, quiet_hours=True)
    complaint = ComplaintFactory(filer=alice, status=Status.DRAFT)
    type(complaint).objects.filter(pk=complaint.pk).update(updated=NOON)
    night = datetime(2026, 12, 3, 22, 30, tzinfo=BJ)
    MemorySmsBackend.outbox.clear()

    services.sweep(now=night)
    assert mail.outbox == [] and MemorySmsBackend.outbox == []
    assert services.unread_count(alice) == 1  # in the app at once

    services.sweep(now=datetime(2026, 12, 4, 7, 59, tzinfo=BJ))
    assert mail.outbox == []
    services.sweep(now=datetime(2026, 12, 4, 8, 0, tzinfo=BJ))
    assert len(mail.outbox) == 1
    assert len(MemorySmsBackend.outbox) == 1
    assert MemorySmsBackend.outbox[0][0] == "13911112222"


def test_someone_who_asked_for_no_quiet_hours_is_told_at_night(alice):
    Preference.objects.create(user=alice, email=True, quiet_hours=False)
    complaint = ComplaintFactory(filer=alice, status=Status.DRAFT)
    type(complaint).objects.filter(pk=complaint.pk).update(updated=NOON)

    services.sweep(now=datetime(2026, 12, 3, 23, 0, tzinfo=BJ))

    assert len(mail.outbox) == 1


def test_an_unreviewed_complaint_alerts_advocates_after_48_hours(alice, advocate):
    complaint = ComplaintFactory(filer=alice, status=Status.SUBMITTED, submitted_at=NOON)

    services.sweep(now=NOON + timedelta(hours=47))
    assert kinds_for(advocate) == []
    services.sweep(now=NOON + timedelta(hours=48))
    assert kinds_for(advocate) == [Kind.UNREVIEWED]

    case_services.case_assign(
        complaint=complaint, actor=advocate, assignee_id=advocate.pk, now=NOON + timedelta(hours=49)
    )
    services.sweep(now=NOON + timedelta(hours=50))
    assert kinds_for(advocate) == []


def test_an_unanswered_request_reminds_the_borrower_after_three_days(alice, advocate):
    complaint = ComplaintFactory(filer=alice, status=Status.UNDER_REVIEW)
    request = case_services.info_request_create(
        complaint=complaint, actor=advocate, message="请上传录音", now=NOON
    )

    services.sweep(now=NOON + timedelta(days=2, hours=23))
    assert Kind.INFO_REQUEST not in kinds_for(alice)
    services.sweep(now=NOON + timedelta(days=3))
    assert Kind.INFO_REQUEST in kinds_for(alice)

    case_services.info_request_answer(
        request=request, actor=alice, response="已上传", now=NOON + timedelta(days=3, hours=1)
    )
    services.sweep(now=NOON + timedelta(days=3, hours=2))
    assert Kind.INFO_REQUEST not in kinds_for(alice)


def test_the_limitation_period_warns_at_90_and_30_days(alice):
    complaint = ComplaintFactory(filer=alice, status=Status.WAITING_LENDER)
    first = NOON - timedelta(days=3 * 365) + timedelta(days=100)
    IncidentFactory(complaint=complaint, occurred_at=first)

    services.sweep(now=NOON)
    assert [k for k in kinds_for(alice) if k.startswith("limitation")] == []
    services.sweep(now=NOON + timedelta(days=10))
    assert [k for k in kinds_for(alice) if k.startswith("limitation")] == [Kind.LIMITATION_90]
    services.sweep(now=NOON + timedelta(days=70))
    assert sorted(k for k in kinds_for(alice) if k.startswith("limitation")) == [
        Kind.LIMITATION_30,
        Kind.LIMITATION_90,
    ]


def test_a_failing_mail_server_is_retried_and_its_error_stays_visible(alice, settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.FailingEmailBackend"
    complaint = ComplaintFactory(filer=alice, status=Status.DRAFT)
    type(complaint).objects.filter(pk=complaint.pk).update(updated=NOON)
    later = NOON + timedelta(days=1, hours=1)

    services.sweep(now=later)
    delivery = Delivery.objects.get(channel="email")
    assert delivery.state == Delivery.State.FAILED
    assert "SMTP is down" in delivery.last_error
    assert delivery.attempts == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.sweep(now=later + timedelta(minutes=15))
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT
    assert delivery.attempts == 2
    assert len(mail.outbox) == 1


def test_a_submission_tells_the_borrower_it_arrived(client, alice, django_capture_on_commit_callbacks):
    complaint = ComplaintFactory(filer=alice, status=Status.DRAFT)
    IncidentFactory(complaint=complaint)
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("complaints:transition", args=[complaint.reference]), {"to_status": "submitted"})
    # The nudge is queued for after the commit (beside the collector recount).
    with (
        mock.patch("notifications.tasks.sweep.apply_async") as nudge,
        mock.patch("cases.tasks.refresh_waiting_collectors.apply_async"),
    ):
        for callback in callbacks:
            callback()
    assert nudge.call_count == 1
    assert nudge.call_args.kwargs == {"countdown": tasks.NUDGE_DELAY_SECONDS}

    services.sweep(now=complaint.__class__.objects.get(pk=complaint.pk).submitted_at + timedelta(minutes=1))
    assert Kind.SUBMITTED in kinds_for(alice)


def test_submissions_in_a_burst_share_one_sweep(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(lib_tasks, "monotonic", lambda: clock[0])
    with mock.patch("notifications.tasks.sweep.apply_async") as queue:
        tasks.nudge_sweep()  # runs in 5 s, after whatever commits before it
        clock[0] += tasks.NUDGE_DELAY_SECONDS - 1.5
        tasks.nudge_sweep()  # committed before that sweep starts: nothing more to queue
        assert queue.call_count == 1
        clock[0] += 1
        tasks.nudge_sweep()  # that sweep may have started already: a new one
        assert queue.call_count == 2


def test_a_nudge_the_broker_refused_is_tried_again_by_the_next_submission():
    with mock.patch(
        "notifications.tasks.sweep.apply_async", side_effect=[OSError("broker down"), None]
    ) as queue:
        with pytest.raises(OSError):
            tasks.nudge_sweep()
        tasks.nudge_sweep()
    assert queue.call_count == 2


def test_the_bell_shows_the_unread_count_and_marks_read(client, alice):
    complaint = ComplaintFactory(filer=alice, status=Status.DRAFT)
    type(complaint).objects.filter(pk=complaint.pk).update(updated=NOON)
    services.sweep(now=NOON + timedelta(days=2))
    client.force_login(alice)

    page = client.get(reverse("complaints:mine")).content.decode()
    assert 'id="bell-count">1' in page

    reminder = Reminder.objects.get()
    response = client.post(reverse("notifications:mark_read", args=[reminder.pk]), {"open": "1"})
    assert response["Location"] == reverse("complaints:edit", args=[complaint.reference])
    assert 'id="bell-count"' not in client.get(reverse("complaints:mine")).content.decode()


def test_the_bell_count_is_cached_yet_follows_every_change(client, alice, django_assert_num_queries):
    """Counted once, then served from the cache until one of the person's reminders is
    created, cancelled by a sweep, or read (one at a time or all at once)."""
    draft = ComplaintFactory(filer=alice, status=Status.DRAFT)
    type(draft).objects.filter(pk=draft.pk).update(updated=NOON)
    services.sweep(now=NOON + timedelta(days=2))
    assert services.unread_count(alice) == 1
    with django_assert_num_queries(0):
        assert services.unread_count(alice) == 1

    # The sweep cancels the draft reminder once the draft is submitted (a bulk UPDATE).
    IncidentFactory(complaint=draft)
    complaint_services.complaint_submit(complaint=draft, actor=alice, now=NOON + timedelta(days=2, hours=1))
    services.reminders_cancel_obsolete(now=NOON + timedelta(days=2, hours=2))
    assert services.unread_count(alice) == 0
    services.sweep(now=NOON + timedelta(days=2, hours=2))
    assert kinds_for(alice) == [Kind.SUBMITTED]
    assert services.unread_count(alice) == 1

    client.force_login(alice)
    client.post(reverse("notifications:mark_all_read"))
    assert services.unread_count(alice) == 0
    assert 'id="bell-count"' not in client.get(reverse("complaints:mine")).content.decode()


def test_nobody_reads_someone_elses_notifications(client, alice, other_borrower):
    complaint = ComplaintFactory(filer=alice, status=Status.DRAFT)
    type(complaint).objects.filter(pk=complaint.pk).update(updated=NOON)
    services.sweep(now=NOON + timedelta(days=2))
    client.force_login(other_borrower)

    assert (
        client.post(reverse("notifications:mark_read", args=[Reminder.objects.get().pk])).status_code == 404
    )
    assert "草稿" not in client.get(reverse("notifications:inbox")).content.decode()


def test_the_command_has_a_dry_run_and_a_moved_clock(alice):
    from io import StringIO

    from django.core.management import call_command

    complaint = ComplaintFactory(filer=alice, status=Status.DRAFT)
    type(complaint).objects.filter(pk=complaint.pk).update(updated=NOON)
    out = StringIO()

    call_command("send_reminders", "--dry-run", "--now", "2026-12-04T09:00+08:00", stdout=out)
    assert "draft_stale" in out.getvalue()
    assert not Reminder.objects.exists()

    call_command("send_reminders", "--now", "2026-12-04T09:00+08:00", stdout=StringIO())
    assert Reminder.objects.count() == 1


def _escalation(complaint, actor, sent_at):
    from escalations import services as escalations
    from escalations.models import EscalationChannel

    return escalations.escalation_record(
        complaint=complaint,
        actor=actor,
        lender=complaint.lender,
        channel=EscalationChannel.HOTLINE,
        sent_at=sent_at,
        now=sent_at,
    )


def test_an_answer_due_soon_and_then_overdue_reaches_the_borrower_and_the_advocate(alice, advocate):
    complaint = ComplaintFactory(filer=alice, status=Status.SUBMITTED, assignee=advocate)
    IncidentFactory(complaint=complaint)
    escalation = _escalation(complaint, alice, NOON)
    due = escalation.due_at

    services.sweep(now=due - timedelta(days=2, minutes=1))
    assert Kind.ESCALATION_DUE_SOON not in kinds_for(alice)
    services.sweep(now=due - timedelta(days=2))
    assert Kind.ESCALATION_DUE_SOON in kinds_for(alice)

    services.sweep(now=due + timedelta(minutes=1))
    assert Kind.ESCALATION_OVERDUE in kinds_for(alice)
    assert kinds_for(advocate) == [Kind.ESCALATION_OVERDUE]
    services.sweep(now=due + timedelta(hours=1))
    assert Reminder.objects.filter(kind=Kind.ESCALATION_OVERDUE).count() == 2


def test_an_answer_cancels_the_waiting_reminders(alice):
    from escalations import services as escalations

    complaint = ComplaintFactory(filer=alice, status=Status.SUBMITTED)
    IncidentFactory(complaint=complaint)
    escalation = _escalation(complaint, alice, NOON)
    services.sweep(now=escalation.due_at - timedelta(days=1))
    assert Kind.ESCALATION_DUE_SOON in kinds_for(alice)

    answered = escalation.due_at - timedelta(hours=20)
    escalations.escalation_record_answer(
        escalation=escalation, actor=alice, answer="已停止催收", answered_at=answered, now=answered
    )
    services.sweep(now=escalation.due_at + timedelta(hours=1))

    assert Kind.ESCALATION_DUE_SOON not in kinds_for(alice)
    assert Kind.ESCALATION_OVERDUE not in kinds_for(alice)


def test_admins_get_a_weekly_digest_of_entries_to_check(admin_user):
    from regulators.models import Regulator

    Regulator.objects.create(name_zh="某局", kind="police", verified_at=None)
    monday_nine = datetime(2026, 11, 30, 9, 0, tzinfo=BJ)

    services.sweep(now=monday_nine - timedelta(minutes=1))
    assert not Reminder.objects.filter(kind=Kind.DIRECTORY_DIGEST).exists()  # not before Monday 09:00
    services.sweep(now=monday_nine)
    services.sweep(now=monday_nine + timedelta(days=3))
    services.sweep(now=monday_nine + timedelta(days=7))

    digests = Reminder.objects.filter(kind=Kind.DIRECTORY_DIGEST, recipient=admin_user)
    assert digests.count() == 2  # this week's and next week's; never two in one week


def _emails_due(n: int) -> None:
    for i in range(n):
        person = UserFactory(email=f"p{i}@example.com")
        complaint = ComplaintFactory(filer=person, status=Status.DRAFT)
        type(complaint).objects.filter(pk=complaint.pk).update(updated=NOON)
    services.reminders_plan(now=NOON + timedelta(days=1, hours=1))


def _statements(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]


@pytest.mark.parametrize("n", [2, 6])
def test_sending_claims_a_batch_at_once_and_marks_it_at_once(n, settings):
    settings.NOTIFICATIONS_MARK_EVERY_SECONDS = 60  # marks batched
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _emails_due(n)
    mail.outbox.clear()

    with CaptureQueriesContext(connection) as ctx:
        sent = services.deliveries_send(now=NOON + timedelta(days=1, hours=2))

    assert sent == n == len(mail.outbox)
    # Find, claim, load the claimed, check none went obsolete; then one UPDATE marks all
    # those sent, whatever n.
    assert len(_statements(ctx)) == 4 + 1
    assert set(Delivery.objects.filter(channel="email").values_list("state", flat=True)) == {"sent"}


def _many_emails_due(n: int, *, recipients: int = 5) -> list[int]:
    """n email deliveries due at NOON, spread over a few people (made in bulk: a factory
    per message would take most of the test's time)."""
    people = [UserFactory(email=f"many{i}@example.com", language="zh-hans") for i in range(recipients)]
    reminders = Reminder.objects.bulk_create(
        Reminder(
            recipient=people[i % recipients],
            kind=Kind.DIRECTORY_DIGEST,
            object_id=i,
            due_at=NOON,
            created=NOON,
            title=f"提醒 {i}",
            link="/",
        )
        for i in range(n)
    )
    deliveries = Delivery.objects.bulk_create(
        Delivery(reminder=r, channel="email", send_after=NOON) for r in reminders
    )
    return [d.pk for d in deliveries]


def test_draining_500_messages_costs_at_most_one_query_per_20(settings):
    settings.NOTIFICATIONS_MARK_EVERY_SECONDS = 60  # marks batched
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _many_emails_due(500)

    with CaptureQueriesContext(connection) as ctx:
        sent = services.deliveries_send(now=NOON + timedelta(minutes=1), limit=500)

    assert sent == 500 == len(mail.outbox)
    assert len(_statements(ctx)) <= 500 * 0.05
    assert not Delivery.objects.exclude(state=Delivery.State.SENT).exists()
    assert services.deliveries_send(now=NOON + timedelta(minutes=2)) == 0  # and nothing twice


def test_a_batch_with_failures_marks_each_outcome_with_its_own_error(settings):
    """Half the messages fail: each keeps its error and is retried by the next sweep, the
    others are sent once; two UPDATEs mark the lot."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.EMAIL_BACKEND = "tests.notifications.backends.FlakyEmailBackend"
    settings.NOTIFICATIONS_MARK_EVERY_SECONDS = 60  # marks batched
    ids = _many_emails_due(10)

    with CaptureQueriesContext(connection) as ctx:
        sent = services.deliveries_send(now=NOON + timedelta(minutes=1))

    assert sent == 5 == len(mail.outbox)
    assert len(_statements(ctx)) == 4 + 2
    failed = Delivery.objects.filter(pk__in=ids, state=Delivery.State.FAILED)
    assert failed.count() == 5
    assert {d.last_error for d in failed} == {
        f"ConnectionResetError: refused 提醒 {i}" for i in range(1, 10, 2)
    }

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.deliveries_send(now=NOON + timedelta(minutes=20)) == 5
    assert len(mail.outbox) == 10
    assert sorted(m.subject for m in mail.outbox) == sorted(f"提醒 {i}" for i in range(10))
    assert set(Delivery.objects.filter(pk__in=ids).values_list("state", "last_error")) == {("sent", "")}


def test_a_batch_cut_by_an_exception_still_marks_what_went_out(monkeypatch):
    """Something unexpected (not a send failure) ends the batch half way: what was sent
    is marked sent, so no later sweep sends it again; the rest is taken back once its
    claim goes stale."""
    ids = _many_emails_due(4)
    real = services._deliver
    calls = []

    def deliver(delivery, **kwargs):
        calls.append(delivery.pk)
        if len(calls) == 3:
            raise RuntimeError("worker shutting down")
        return real(delivery, **kwargs)

    monkeypatch.setattr(services, "_deliver", deliver)
    with pytest.raises(RuntimeError):
        services.deliveries_send(now=NOON + timedelta(minutes=1))
    monkeypatch.setattr(services, "_deliver", real)

    assert len(mail.outbox) == 2
    assert Delivery.objects.filter(pk__in=ids, state=Delivery.State.SENT).count() == 2
    assert services.deliveries_send(now=NOON + timedelta(minutes=2)) == 0  # claimed by the dead batch
    assert services.deliveries_send(now=NOON + timedelta(minutes=12)) == 2  # its claim went stale
    assert len(mail.outbox) == 4
    assert sorted(m.subject for m in mail.outbox) == [f"提醒 {i}" for i in range(4)]


def test_a_slow_batch_writes_its_marks_as_it_goes(monkeypatch, settings):
    """Without notes of the sends (no Redis), what went out is marked as it goes by
    default, before the next message, not at the end: a worker killed half way sends
    nothing twice. (With them: tests/notifications/test_drain_kill.py.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ids = _many_emails_due(3)
    settings.NOTIFICATIONS_RECORD_SENDS = False
    # The default: each message marked as it goes.
    assert settings.NOTIFICATIONS_MARK_EVERY_SECONDS == 0
    marked_before_next = []
    real = services._deliver

    def deliver(delivery, **kwargs):
        marked_before_next.append(Delivery.objects.filter(pk__in=ids, state=Delivery.State.SENT).count())
        return real(delivery, **kwargs)

    monkeypatch.setattr(services, "_deliver", deliver)
    with CaptureQueriesContext(connection) as ctx:
        assert services.deliveries_send(now=NOON + timedelta(minutes=1)) == 3

    assert marked_before_next == [0, 1, 2]
    assert len([q for q in _statements(ctx) if q.startswith("UPDATE")]) == 1 + 3  # the claim, then each mark


def test_specific_deliveries_are_sent_at_once_but_not_twice_nor_in_quiet_hours():
    ids = _many_emails_due(3)
    Delivery.objects.filter(pk=ids[2]).update(send_after=NOON + timedelta(hours=8))
    now = NOON + timedelta(minutes=1)

    assert services.deliveries_send_ids(ids, now=now) == 2
    assert services.deliveries_send_ids(ids, now=now) == 0
    assert services.deliveries_send(now=now) == 0
    assert len(mail.outbox) == 2
    assert Delivery.objects.get(pk=ids[2]).state == Delivery.State.PENDING
    assert services.delivery_send(Delivery.objects.get(pk=ids[0]), now=now) is False


def test_the_same_sweep_delivered_again_sends_what_its_dead_run_claimed():
    """A worker killed in the middle of a batch: the sweep's message comes back with the
    same task id, and that run sends the rest now; another sweep leaves them to the stale
    claim. Nothing goes out twice."""
    import uuid

    from notifications import tasks

    _emails_due(3)
    mail.outbox.clear()
    now = NOON + timedelta(days=1, hours=2)
    ids = services.deliveries_due(now=now)
    run = uuid.uuid4()
    services._claim(ids, now, run)  # claimed, then the worker was killed: nothing sent

    assert services.deliveries_send(now=now + timedelta(minutes=1)) == 0  # another sweep
    with mock.patch("notifications.tasks.timezone.now", return_value=now + timedelta(minutes=1)):
        tasks.sweep.apply(task_id=str(run))
        tasks.sweep.apply(task_id=str(run))  # and once more: nothing left to send

    assert len(mail.outbox) == 3
    assert set(Delivery.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"sent"}


def test_escalation_reminders_do_not_hang_on_an_import_that_can_quietly_fail(alice, monkeypatch):
    # The planner used to import escalations inside a try/except ImportError: any import
    # trouble switched escalation reminders off without a word. Notifications sits above
    # escalations, so it imports it like any other module.
    import sys

    complaint = ComplaintFactory(filer=alice, status=Status.SUBMITTED)
    IncidentFactory(complaint=complaint)
    escalation = _escalation(complaint, alice, NOON)
    monkeypatch.setitem(sys.modules, "escalations.services", None)

    services.sweep(now=escalation.due_at - timedelta(days=1))

    assert Kind.ESCALATION_DUE_SOON in kinds_for(alice)
