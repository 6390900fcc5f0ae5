"""People are told at once (issue 16): what happens on a case reaches whom it concerns in
the request that made it happen, by email and SMS as soon as quiet hours allow, once."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from cases import services as case_services
from cases.models import InfoRequest
from complaints import hooks
from complaints import services as complaint_services
from complaints.models import Status
from evidence import services as evidence_services
from lib.china import CHINA_TZ
from notifications import services, tasks
from notifications.models import Delivery, Kind, Preference, Reminder
from tests.evidence import files
from tests.factories import ComplaintFactory, UserFactory, consented

pytestmark = pytest.mark.django_db

BJ = CHINA_TZ
NOON = datetime(2026, 12, 2, 12, 0, tzinfo=BJ)  # a Wednesday
NIGHT = datetime(2026, 12, 2, 23, 0, tzinfo=BJ)
MORNING = datetime(2026, 12, 3, 8, 0, tzinfo=BJ)
# Long enough ago that the sweep's own "we received your complaint" is not planned.
FILED = NOON - timedelta(days=30)


@pytest.fixture
def alice(db):
    return consented(UserFactory(username="13911112222", phone="13911112222", email="alice@example.com"))


@pytest.fixture
def carol(db):
    """An advocate, not the one on the case."""
    return UserFactory(username="carol", phone="13955556666", role="advocate", email="carol@example.com")


@pytest.fixture
def complaint(alice):
    return ComplaintFactory(filer=alice, status=Status.SUBMITTED, submitted_at=FILED)


def told(kind: str) -> set[int]:
    return set(Reminder.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def emails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def emit(kind: str, complaint, *, actor=None, at=NOON, object_id: int = 1, detail: str = "") -> None:
    hooks.case_activity(
        hooks.CaseActivity(
            kind=kind, complaint=complaint, actor=actor, at=at, object_id=object_id, detail=detail
        )
    )


@pytest.mark.django_db(transaction=True)
def test_an_advocates_request_is_in_the_borrowers_inbox_in_the_same_request_cycle(
    client, alice, advocate, complaint, tasks_run_here
):
    # Committed for real, as in production: the notice comes from the request's own
    # after-commit work, no sweep runs.
    with time_machine.travel(NOON, tick=False):
        client.force_login(advocate)
        client.post(
            reverse("cases:request_info", args=[complaint.reference]), {"message": "请上传那天的通话录音"}
        )

        client.force_login(alice)
        page = client.get(reverse("notifications:inbox")).content.decode()

    request = InfoRequest.objects.get()
    assert f"援助人员就投诉 {complaint.reference} 向您提出了问题" in page
    assert "请上传那天的通话录音" in page
    reminder = Reminder.objects.get(recipient=alice, kind=Kind.INFO_REQUESTED)
    assert reminder.link == f"{complaint.get_absolute_url()}#info-{request.pk}"
    assert services.unread_count(alice) == 1
    assert told(Kind.INFO_REQUESTED) == {alice.pk}  # not the advocate who asked


def test_the_email_and_sms_go_at_once_when_preferred_and_allowed(
    alice, advocate, complaint, tasks_run_here, sms_outbox, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=alice, email=True, sms=True, quiet_hours=True)

    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        case_services.info_request_create(complaint=complaint, actor=advocate, message="请补充借款合同的照片")

    [message] = emails_to("alice@example.com")
    assert complaint.reference in message.subject
    assert "请补充借款合同的照片" in message.body
    assert [number for number, _text in sms_outbox] == ["13911112222"]
    assert set(Delivery.objects.values_list("channel", "state")) == {
        ("app", "sent"),
        ("email", "sent"),
        ("sms", "sent"),
    }


def test_no_email_for_a_borrower_who_turned_email_off(
    alice, advocate, complaint, tasks_run_here, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=alice, email=False)

    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        case_services.info_request_create(complaint=complaint, actor=advocate, message="请补充")

    assert told(Kind.INFO_REQUESTED) == {alice.pk}
    assert mail.outbox == []
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["app"]


def test_quiet_hours_hold_the_email_until_eight_then_the_sweep_sends_it_once(
    alice, advocate, complaint, tasks_run_here, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=alice, email=True, quiet_hours=True)

    with time_machine.travel(NIGHT, tick=False), django_capture_on_commit_callbacks(execute=True):
        case_services.info_request_create(complaint=complaint, actor=advocate, message="请补充")

    # In the app at once; the email waits.
    assert told(Kind.INFO_REQUESTED) == {alice.pk}
    email = Delivery.objects.get(channel="email")
    assert email.state == Delivery.State.PENDING
    assert email.send_after == MORNING
    assert emails_to("alice@example.com") == []

    services.sweep(now=MORNING - timedelta(minutes=1))
    assert emails_to("alice@example.com") == []
    services.sweep(now=MORNING)
    services.sweep(now=MORNING + timedelta(minutes=15))

    assert len(emails_to("alice@example.com")) == 1
    email.refresh_from_db()
    assert email.state == Delivery.State.SENT


def test_a_sweep_that_sent_first_leaves_nothing_for_the_immediate_send(
    alice, advocate, complaint, monkeypatch, django_capture_on_commit_callbacks
):
    queued: list[list[int]] = []
    monkeypatch.setattr(tasks, "send_now", SimpleNamespace(delay=queued.append))
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        case_services.info_request_create(complaint=complaint, actor=advocate, message="请补充")
    [ids] = queued

    # The scheduled sweep happened to run before the queued task reached a worker.
    services.sweep(now=NOON + timedelta(seconds=1))
    sent_late = services.deliveries_send_now(ids=ids, now=NOON + timedelta(seconds=2))

    assert sent_late == 0
    assert len(emails_to("alice@example.com")) == 1


def test_the_borrowers_answer_tells_the_assigned_advocate_and_no_other(
    alice, advocate, carol, complaint, tasks_run_here, django_capture_on_commit_callbacks
):
    advocate.email = "bob@example.com"
    advocate.save()
    complaint.assignee = advocate
    complaint.save()
    request = InfoRequest.objects.create(complaint=complaint, message="请补充", requested_by=advocate)

    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        case_services.info_request_answer(request=request, actor=alice, response="已上传，我家人的电话是…")

    assert told(Kind.INFO_ANSWERED) == {advocate.pk}
    reminder = Reminder.objects.get(kind=Kind.INFO_ANSWERED)
    assert reminder.link == f"{complaint.get_absolute_url()}#info-{request.pk}"
    [message] = emails_to("bob@example.com")
    # What the borrower wrote stays in the case; the email only says there is an answer.
    assert "我家人的电话" not in message.body
    assert emails_to("carol@example.com") == []


def test_the_borrowers_answer_tells_the_pool_while_nobody_took_the_case(
    alice, advocate, carol, admin_user, complaint, django_capture_on_commit_callbacks
):
    gone = UserFactory(username="dave", phone="13977778888", role="advocate", is_active=False)
    request = InfoRequest.objects.create(complaint=complaint, message="请补充", requested_by=advocate)

    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        case_services.info_request_answer(request=request, actor=alice, response="已上传")

    # Every active advocate; not the borrower, not the admin while advocates exist, not
    # an advocate whose account was closed.
    assert told(Kind.INFO_ANSWERED) == {advocate.pk, carol.pk}
    assert gone.pk not in told(Kind.INFO_ANSWERED)


def test_a_status_move_tells_the_borrower_not_the_advocate_who_made_it(
    alice, advocate, complaint, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        complaint_services.complaint_transition(
            complaint=complaint, actor=advocate, to_status=Status.UNDER_REVIEW
        )

    assert told(Kind.STATUS_CHANGED) == {alice.pk}
    reminder = Reminder.objects.get(kind=Kind.STATUS_CHANGED)
    assert reminder.title == f"投诉 {complaint.reference} 的状态现为：审核中"
    assert reminder.link == complaint.get_absolute_url()


def test_the_borrower_is_not_told_of_her_own_moves(
    alice, advocate, complaint, django_capture_on_commit_callbacks
):
    complaint.assignee = advocate
    complaint.save()

    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        complaint_services.complaint_transition(
            complaint=complaint, actor=alice, to_status=Status.CLOSED, note="问题解决了"
        )

    assert not Reminder.objects.filter(kind=Kind.STATUS_CHANGED).exists()


def test_the_actor_is_never_told_of_their_own_act(alice, advocate, complaint):
    complaint.assignee = advocate
    complaint.save()

    # The advocate on the case put a reply into it by hand: the borrower hears of it, the
    # advocate who did it does not.
    emit(hooks.Activity.REPLY_RECEIVED, complaint, actor=advocate)

    assert told(Kind.REPLY_RECEIVED) == {alice.pk}


def test_the_same_act_emitted_twice_is_told_once(
    alice, advocate, complaint, tasks_run_here, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=alice, email=True, quiet_hours=False)

    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        emit(hooks.Activity.INFO_REQUESTED, complaint, actor=advocate, object_id=42, detail="请补充")
        emit(hooks.Activity.INFO_REQUESTED, complaint, actor=advocate, object_id=42, detail="请补充")

    assert Reminder.objects.filter(recipient=alice, kind=Kind.INFO_REQUESTED).count() == 1
    assert len(emails_to("alice@example.com")) == 1


def test_a_rollback_tells_nobody(
    alice, advocate, complaint, tasks_run_here, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        case_services.info_request_create(complaint=complaint, actor=advocate, message="请补充")
        raise RuntimeError("the request failed after the service ran")

    assert not InfoRequest.objects.exists()
    assert not Reminder.objects.exists()
    assert mail.outbox == []


def test_admins_are_told_of_mail_nobody_could_match(alice, advocate, admin_user):
    emit(hooks.Activity.MAIL_UNMATCHED, None, object_id=7, detail="To: reply+forged@example.org")

    assert told(Kind.MAIL_UNMATCHED) == {admin_user.pk}
    reminder = Reminder.objects.get(kind=Kind.MAIL_UNMATCHED)
    assert reminder.complaint is None
    try:
        queue = reverse("admin:escalations_inboundmail_changelist")
    except NoReverseMatch:
        queue = reverse("admin:index")
    assert reminder.link == queue


@pytest.mark.parametrize("kind", [hooks.Activity.REPLY_RECEIVED, hooks.Activity.MAIL_BOUNCED])
def test_the_borrower_is_told_of_replies_and_bounces(alice, advocate, complaint, kind):
    complaint.assignee = advocate
    complaint.save()

    emit(kind, complaint, object_id=3)

    expected = {alice.pk, advocate.pk} if kind == hooks.Activity.REPLY_RECEIVED else {alice.pk}
    assert told(kind) == expected
    assert (
        Reminder.objects.get(recipient=alice, kind=kind).link == f"{complaint.get_absolute_url()}#escalations"
    )


def test_an_upload_of_several_files_is_one_notice(
    alice, advocate, complaint, django_capture_on_commit_callbacks
):
    uploads = [SimpleUploadedFile(f"{n}.png", files.png()) for n in range(3)]

    with django_capture_on_commit_callbacks(execute=True):
        results = evidence_services.evidence_add_many(complaint=complaint, uploader=alice, uploads=uploads)
        # The upload page sends each file on its own request: the next one is no news.
        evidence_services.evidence_add_many(
            complaint=complaint, uploader=alice, uploads=[SimpleUploadedFile("4.png", files.png())]
        )

    assert all(r.accepted for r in results)
    assert Reminder.objects.filter(kind=Kind.EVIDENCE_ADDED).count() == 1
    assert told(Kind.EVIDENCE_ADDED) == {advocate.pk}


def test_files_on_a_draft_tell_nobody(alice, advocate, django_capture_on_commit_callbacks):
    draft = ComplaintFactory(filer=alice, status=Status.DRAFT)

    with django_capture_on_commit_callbacks(execute=True):
        evidence_services.evidence_add_many(
            complaint=draft, uploader=alice, uploads=[SimpleUploadedFile("a.png", files.png())]
        )

    assert not Reminder.objects.filter(kind=Kind.EVIDENCE_ADDED).exists()


def test_new_incidents_tell_the_advocate_once_per_half_hour(
    alice, advocate, carol, complaint, django_capture_on_commit_callbacks
):
    complaint.assignee = advocate
    complaint.save()
    data = {"kind": "threats", "channel": "call", "description": "又打电话威胁", "occurred_at": NOON}

    with django_capture_on_commit_callbacks(execute=True):
        complaint_services.incident_add(complaint=complaint, actor=alice, data=data, now=NOON)
        complaint_services.incident_add(
            complaint=complaint, actor=alice, data=data, now=NOON + timedelta(minutes=5)
        )

    assert told(Kind.INCIDENT_ADDED) == {advocate.pk}
    assert Reminder.objects.filter(kind=Kind.INCIDENT_ADDED).count() == 1
    assert Reminder.objects.get(kind=Kind.INCIDENT_ADDED).link == f"{complaint.get_absolute_url()}#incidents"


def test_an_advocate_neither_assigned_nor_in_the_pool_sees_nothing_in_the_inbox(
    client, alice, advocate, carol, complaint
):
    complaint.assignee = advocate
    complaint.save()

    emit(hooks.Activity.EVIDENCE_ADDED, complaint, actor=alice, object_id=5)
    emit(hooks.Activity.INFO_ANSWERED, complaint, actor=alice, object_id=6)

    client.force_login(carol)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert complaint.reference not in page
    assert not Reminder.objects.filter(recipient=carol).exists()
    assert told(Kind.INFO_ANSWERED) == {advocate.pk}
