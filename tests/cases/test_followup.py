"""Did the harassment stop? Asked at closing, 14 and 60 days later; "worse" reopens the
case and tells the advocates; the answers become a k-anonymous figure per lender."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts import privacy
from audit.models import Action, AuditEvent
from cases import followups
from cases.models import FollowUp
from complaints import services as complaint_services
from complaints.models import Complaint, Status, TimelineEvent
from complaints.services import ComplaintError
from lib.china import CHINA_TZ
from notifications import services as sweeps
from notifications.models import Kind, Reminder
from tests.factories import ComplaintFactory, IncidentFactory, LenderFactory, UserFactory

pytestmark = pytest.mark.django_db

CLOSED_AT = datetime(2026, 12, 2, 12, 0, tzinfo=CHINA_TZ)  # a Wednesday, noon in Beijing


@pytest.fixture
def alice(db):
    return UserFactory(phone="13911112222", email="alice@example.com", display_name="Alice")


def closed_case(filer, advocate, *, at=CLOSED_AT, lender=None, status=Status.CLOSED) -> Complaint:
    """A complaint an advocate reviewed, then finished at `at`."""
    complaint = ComplaintFactory(
        filer=filer,
        status=Status.SUBMITTED,
        submitted_at=at - timedelta(days=30),
        **({"lender": lender} if lender else {}),
    )
    IncidentFactory(complaint=complaint)
    complaint_services.complaint_transition(
        complaint=complaint, actor=advocate, to_status=Status.UNDER_REVIEW, now=at - timedelta(days=20)
    )
    complaint_services.complaint_transition(
        complaint=complaint, actor=advocate, to_status=status, note="催收已停止联系", now=at
    )
    complaint.refresh_from_db()
    return complaint


def questions(complaint) -> list[str]:
    return list(
        FollowUp.objects.filter(complaint=complaint).order_by("asked_at").values_list("round", flat=True)
    )


def question_mails() -> list[str]:
    return [m.subject for m in mail.outbox if "骚扰停止了吗" in m.subject]


# --- Asking ---------------------------------------------------------------------------


def test_it_asks_each_round_once_with_a_frozen_clock(alice, advocate):
    complaint = closed_case(alice, advocate)

    first = sweeps.sweep(now=CLOSED_AT)
    again = sweeps.sweep(now=CLOSED_AT)
    assert questions(complaint) == [FollowUp.Round.AT_CLOSE]
    assert first.planned >= 1 and again.planned == 0
    assert len(question_mails()) == 1

    sweeps.sweep(now=CLOSED_AT + timedelta(days=13, hours=23))
    assert questions(complaint) == [FollowUp.Round.AT_CLOSE]

    for _twice in range(2):
        sweeps.sweep(now=CLOSED_AT + timedelta(days=14))
    assert questions(complaint) == [FollowUp.Round.AT_CLOSE, FollowUp.Round.DAY_14]

    sweeps.sweep(now=CLOSED_AT + timedelta(days=59))
    for _twice in range(2):
        sweeps.sweep(now=CLOSED_AT + timedelta(days=60))
    sweeps.sweep(now=CLOSED_AT + timedelta(days=200))

    assert questions(complaint) == [FollowUp.Round.AT_CLOSE, FollowUp.Round.DAY_14, FollowUp.Round.DAY_60]
    assert Reminder.objects.filter(recipient=alice, kind=Kind.FOLLOWUP).count() == 3
    assert len(question_mails()) == 3
    # Only the newest question stays in the inbox: the older ones can no longer be answered.
    open_ones = Reminder.objects.filter(recipient=alice, kind=Kind.FOLLOWUP, cancelled_at__isnull=True)
    assert [r.object_id for r in open_ones] == [FollowUp.objects.get(round=FollowUp.Round.DAY_60).pk]


def test_the_question_is_in_the_inbox_and_links_to_the_answer_page(client, alice, advocate):
    complaint = closed_case(alice, advocate)
    sweeps.sweep(now=CLOSED_AT)
    followup = FollowUp.objects.get(complaint=complaint)
    client.force_login(alice)

    inbox = client.get(reverse("notifications:inbox")).content.decode()
    reminder = Reminder.objects.get(kind=Kind.FOLLOWUP)
    opened = client.post(reverse("notifications:mark_read", args=[reminder.pk]), {"open": "1"})

    assert "骚扰停止了吗" in inbox
    assert opened.url == reverse("cases:followup_answer", args=[complaint.reference, followup.pk])
    page = client.get(opened.url).content.decode()
    for label in ("停止了", "减少了", "没有变化", "更严重了"):
        assert label in page


def test_it_asks_nothing_of_discarded_drafts_or_complaints_finished_long_ago(alice, advocate):
    draft = ComplaintFactory(filer=alice, status=Status.DRAFT)
    complaint_services.complaint_transition(
        complaint=draft, actor=alice, to_status=Status.CLOSED, now=CLOSED_AT
    )
    old = closed_case(alice, advocate, at=CLOSED_AT - timedelta(days=100))

    sweeps.sweep(now=CLOSED_AT)

    assert questions(draft) == [] and questions(old) == []


def test_a_resolved_complaint_is_asked_too(alice, advocate):
    complaint = closed_case(alice, advocate, status=Status.RESOLVED)

    sweeps.sweep(now=CLOSED_AT + timedelta(minutes=15))

    assert questions(complaint) == [FollowUp.Round.AT_CLOSE]


# --- Who may answer -------------------------------------------------------------------


@pytest.fixture
def asked(alice, advocate):
    complaint = closed_case(alice, advocate)
    complaint.assignee = advocate
    complaint.save(update_fields=["assignee"])
    sweeps.sweep(now=CLOSED_AT)
    return FollowUp.objects.get(complaint=complaint)


def answer_url(followup) -> str:
    return reverse("cases:followup_answer", args=[followup.complaint.reference, followup.pk])


def test_it_hides_the_question_from_another_borrower(client, asked, other_borrower):
    client.force_login(other_borrower)

    seen = client.get(answer_url(asked))
    posted = client.post(answer_url(asked), {"answer": "worse"})

    asked.refresh_from_db()
    assert (seen.status_code, posted.status_code) == (404, 404)
    assert asked.answer == ""


def test_it_hides_the_question_from_the_assigned_advocate(client, asked, advocate):
    client.force_login(advocate)

    seen = client.get(answer_url(asked))
    posted = client.post(answer_url(asked), {"answer": "stopped"})

    asked.refresh_from_db()
    assert (seen.status_code, posted.status_code) == (404, 404)
    assert asked.answer == ""


def test_it_sends_a_stranger_to_the_login(client, asked):
    assert client.get(answer_url(asked)).status_code == 302


def test_it_hides_a_question_of_another_complaint_under_my_reference(client, asked, alice, advocate):
    mine = closed_case(alice, advocate, at=CLOSED_AT - timedelta(days=1))
    client.force_login(alice)

    response = client.get(reverse("cases:followup_answer", args=[mine.reference, asked.pk]))

    assert response.status_code == 404


# --- Answering ------------------------------------------------------------------------


def test_worse_reopens_the_case_and_tells_the_advocate(
    client, asked, alice, advocate, django_capture_on_commit_callbacks, tasks_run_here
):
    other_advocate = UserFactory(role="advocate", email="carol@example.com")
    advocate.email = "bob@example.com"
    advocate.save(update_fields=["email"])

    with time_machine.travel(CLOSED_AT + timedelta(hours=2), tick=False):
        client.force_login(alice)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(answer_url(asked), {"answer": "worse", "text": "又开始打给我同事了"})

    complaint = asked.complaint
    complaint.refresh_from_db()
    asked.refresh_from_db()
    assert response.status_code == 302
    assert complaint.status == Status.SUBMITTED
    assert asked.answer == FollowUp.Answer.WORSE and asked.reopened_at is not None
    reopen = TimelineEvent.objects.get(
        complaint=complaint, kind=TimelineEvent.Kind.STATUS, to_status="submitted"
    )
    assert (reopen.from_status, reopen.actor) == (Status.CLOSED, alice)
    answer = TimelineEvent.objects.get(complaint=complaint, kind=TimelineEvent.Kind.INFO_PROVIDED)
    assert "更严重了" in answer.display_note and "又开始打给我同事了" in answer.display_note
    assert AuditEvent.objects.filter(
        complaint=complaint, action=Action.STATUS_CHANGE, detail="submitted"
    ).exists()
    told = Reminder.objects.get(kind=Kind.HARASSMENT_CONTINUES)
    assert told.recipient == advocate
    assert complaint.reference in told.title
    assert not Reminder.objects.filter(recipient=other_advocate, kind=Kind.HARASSMENT_CONTINUES).exists()
    assert any(m.to == ["bob@example.com"] and complaint.reference in m.subject for m in mail.outbox)


def test_with_nobody_assigned_every_advocate_is_told(alice, advocate, django_capture_on_commit_callbacks):
    complaint = closed_case(alice, advocate)
    other_advocate = UserFactory(role="advocate")
    sweeps.sweep(now=CLOSED_AT)
    followup = FollowUp.objects.get(complaint=complaint)

    with django_capture_on_commit_callbacks(execute=True):
        followups.followup_answer(
            followup=followup, actor=alice, answer="same", now=CLOSED_AT + timedelta(hours=1)
        )

    told = set(Reminder.objects.filter(kind=Kind.HARASSMENT_CONTINUES).values_list("recipient", flat=True))
    assert told == {advocate.pk, other_advocate.pk}


def test_stopped_does_not_reopen_and_can_be_changed_until_the_next_question(
    client, asked, alice, django_capture_on_commit_callbacks
):
    with time_machine.travel(CLOSED_AT + timedelta(hours=2), tick=False):
        client.force_login(alice)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(answer_url(asked), {"answer": "stopped"})
        asked.complaint.refresh_from_db()
        assert asked.complaint.status == Status.CLOSED
        assert not Reminder.objects.filter(kind=Kind.HARASSMENT_CONTINUES).exists()

        client.post(answer_url(asked), {"answer": "less", "text": "偶尔还有短信"})
        asked.refresh_from_db()
        assert (asked.answer, asked.text) == (FollowUp.Answer.LESS, "偶尔还有短信")

    sweeps.sweep(now=CLOSED_AT + timedelta(days=14))
    with time_machine.travel(CLOSED_AT + timedelta(days=14, hours=1), tick=False):
        client.force_login(alice)
        late = client.post(answer_url(asked), {"answer": "stopped"})

    asked.refresh_from_db()
    assert late.status_code == 200
    assert "这个问题已关闭" in late.content.decode()
    assert asked.answer == FollowUp.Answer.LESS
    assert FollowUp.objects.filter(complaint=asked.complaint).count() == 2


def test_an_answer_that_reopened_cannot_be_changed_and_a_new_closing_asks_again(asked, alice, advocate):
    followups.followup_answer(followup=asked, actor=alice, answer="worse", now=CLOSED_AT + timedelta(hours=1))

    with pytest.raises(ComplaintError):
        followups.followup_answer(
            followup=asked, actor=alice, answer="stopped", now=CLOSED_AT + timedelta(hours=2)
        )

    complaint = asked.complaint
    complaint_services.complaint_transition(
        complaint=complaint, actor=advocate, to_status=Status.UNDER_REVIEW, now=CLOSED_AT + timedelta(days=1)
    )
    closed_again = CLOSED_AT + timedelta(days=10)
    complaint_services.complaint_transition(
        complaint=complaint, actor=advocate, to_status=Status.CLOSED, note="再次结案", now=closed_again
    )
    sweeps.sweep(now=closed_again)
    sweeps.sweep(now=closed_again + timedelta(days=14))

    rounds = list(FollowUp.objects.filter(complaint=complaint).values_list("closed_at", "round"))
    assert sorted(rounds) == [
        (CLOSED_AT, FollowUp.Round.AT_CLOSE),
        (closed_again, FollowUp.Round.AT_CLOSE),
        (closed_again, FollowUp.Round.DAY_14),
    ]


def test_an_overlong_text_is_refused(client, asked, alice):
    client.force_login(alice)

    response = client.post(
        answer_url(asked), {"answer": "stopped", "text": "长" * (followups.TEXT_LIMIT + 1)}
    )

    asked.refresh_from_db()
    assert response.status_code == 200
    assert asked.answer == ""


# --- The figure per lender -------------------------------------------------------------


def answered_case(lender, advocate, answer, *, reviewed=True):
    """A finished complaint whose borrower answered `answer` (written directly: "same" or
    "worse" through the service would reopen it)."""
    filer = UserFactory()
    if reviewed:
        complaint = closed_case(filer, advocate, lender=lender)
    else:
        complaint = ComplaintFactory(filer=filer, lender=lender, status=Status.CLOSED)
    FollowUp.objects.create(
        complaint=complaint,
        closed_at=complaint.status_changed_at,
        round=FollowUp.Round.AT_CLOSE,
        asked_at=CLOSED_AT,
        answer=answer,
        answered_at=CLOSED_AT + timedelta(hours=1),
    )
    return complaint


def test_the_share_per_lender_is_shown_from_five_reviewed_answers(client, advocate):
    big, small, unreviewed = (
        LenderFactory(name="大平台"),
        LenderFactory(name="小平台"),
        LenderFactory(name="未审核平台"),
    )
    for answer in ("stopped", "stopped", "stopped", "less", "same"):
        answered_case(big, advocate, answer)
    for _i in range(4):
        answered_case(small, advocate, "stopped")
    for _i in range(6):
        answered_case(unreviewed, advocate, "stopped", reviewed=False)

    public = client.get(reverse("cases:public_stats"))
    client.force_login(advocate)
    dashboard = client.get(reverse("cases:dashboard"))

    for response in (public, dashboard):
        outcomes = response.context["followup_outcomes"]
        assert [(o.lender, o.answered, o.stopped_share, o.stopped_or_less_share) for o in outcomes] == [
            ("大平台", 5, 60, 80)
        ]
        # The advocates' charts name every lender; the follow-up figure does not.
        page = response.content.decode()
        figure = page[page.index('id="followup-outcomes"') :].split("</section>")[0]
        assert "大平台" in figure
        assert "小平台" not in figure and "未审核平台" not in figure
    assert "小平台" not in public.content.decode()


def test_the_latest_answer_counts(client, advocate):
    lender = LenderFactory(name="大平台")
    cases = [answered_case(lender, advocate, "same") for _i in range(5)]
    for complaint in cases[:2]:
        FollowUp.objects.create(
            complaint=complaint,
            closed_at=complaint.status_changed_at,
            round=FollowUp.Round.DAY_14,
            asked_at=CLOSED_AT + timedelta(days=14),
            answer="stopped",
            answered_at=CLOSED_AT + timedelta(days=14, hours=1),
        )

    outcomes = client.get(reverse("cases:public_stats")).context["followup_outcomes"]

    assert [(o.answered, o.stopped_share) for o in outcomes] == [(5, 40)]


def test_an_answer_shows_at_once_despite_the_cached_figure(client, advocate):
    lender = LenderFactory(name="小平台")
    for _i in range(4):
        answered_case(lender, advocate, "stopped")
    filer = UserFactory()
    fifth = closed_case(filer, advocate, lender=lender)
    sweeps.sweep(now=CLOSED_AT)
    assert client.get(reverse("cases:public_stats")).context["followup_outcomes"] == []

    followups.followup_answer(
        followup=FollowUp.objects.get(complaint=fifth), actor=filer, answer="stopped", now=CLOSED_AT
    )

    outcomes = client.get(reverse("cases:public_stats")).context["followup_outcomes"]
    assert [(o.lender, o.answered, o.stopped_share) for o in outcomes] == [("小平台", 5, 100)]


# --- The person's data ------------------------------------------------------------------


def test_the_export_holds_the_answers_and_erasure_removes_them(asked, alice):
    followups.followup_answer(
        followup=asked, actor=alice, answer="less", text="ALICE-FOLLOWUP", now=CLOSED_AT + timedelta(hours=1)
    )

    exported = privacy.export_data(alice)
    privacy.account_delete(user=alice)

    [complaint] = exported["complaints"]
    assert complaint["did_the_harassment_stop"][0]["in_your_words"] == "ALICE-FOLLOWUP"
    assert complaint["did_the_harassment_stop"][0]["answer"] == "less"
    assert not FollowUp.objects.exists()
    assert Complaint.objects.filter(pk=asked.complaint_id).exists()


def test_the_open_question_waits_on_the_complaint_page_for_the_filer_only(client, asked, alice, advocate):
    url = asked.complaint.get_absolute_url()
    client.force_login(alice)
    mine = client.get(url)
    client.force_login(advocate)
    theirs = client.get(url)

    assert (mine.status_code, theirs.status_code) == (200, 200)
    mine, theirs = mine.content.decode(), theirs.content.decode()
    assert answer_url(asked) in mine
    assert answer_url(asked) not in theirs
