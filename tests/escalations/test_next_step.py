"""The "next step" card: one action worked out from the complaint's state."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from complaints.models import Status
from escalations.due import due_for
from escalations.models import EscalationStatus
from escalations.next_step import next_step
from escalations.services import escalation_record
from lib.china import CHINA_TZ
from regulators.routing import route_for_complaint
from tests.factories import RegulatorFactory

pytestmark = pytest.mark.django_db

# A Monday in China.
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=CHINA_TZ)


def step_for(complaint, *, now=NOW, allowed=()):
    complaint.refresh_from_db()
    with translation.override("en"):
        return next_step(
            complaint=complaint,
            escalations=list(complaint.escalations.select_related("lender", "regulator")),
            route=route_for_complaint(complaint),
            now=now,
            can_record=True,
            allowed_statuses=allowed,
        )


def send_to_lender(complaint, actor, *, sent_at=NOW, sent=True):
    return escalation_record(
        complaint=complaint,
        actor=actor,
        lender=complaint.lender,
        channel="hotline",
        sent_at=sent_at if sent else None,
        reference="",
        now=sent_at,
    )


def test_it_asks_to_finish_a_draft(letter_case):
    letter_case.status = Status.DRAFT
    letter_case.save()

    step = step_for(letter_case)

    assert step.kind == "draft"
    assert step.button_url == reverse("complaints:edit", args=[letter_case.reference])


def test_it_sends_a_new_complaint_to_the_lender_first(letter_case):
    letter_case.lender.service_phone = "95000"
    letter_case.lender.save()

    step = step_for(letter_case)

    assert step.kind == "send"
    assert letter_case.lender.name in step.title
    assert step.button_url == reverse(
        "regulators:letter", args=[letter_case.reference, f"lender-{letter_case.lender_id}"]
    )
    assert [(c.value, c.href) for c in step.contacts] == [("95000", "tel:95000")]
    assert step.secondary_url.endswith("#escalation-form")


def test_it_asks_to_mark_a_recorded_letter_sent(letter_case, borrower):
    escalation = send_to_lender(letter_case, borrower, sent=False)

    step = step_for(letter_case)

    assert step.kind == "mark_sent"
    assert step.secondary_url.endswith(f"#escalation-{escalation.pk}")


def test_it_counts_the_working_days_left_while_waiting(letter_case, borrower):
    escalation = send_to_lender(letter_case, borrower)
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.SENT

    step = step_for(letter_case)

    assert step.kind == "wait"
    assert step.due is not None and not step.due.late
    # The lender rule counts calendar days (escalations.services.deadline_for).
    assert step.due.text == "15 days left: until the end of December 22."
    assert step.button_url.endswith(f"#escalation-{escalation.pk}")


def test_it_sends_a_late_complaint_to_the_next_body(letter_case, borrower):
    regulator = RegulatorFactory(name_zh="某某金融监管局", hotline="12378")
    escalation = send_to_lender(letter_case, borrower)
    escalation.refresh_from_db()
    late = datetime(2027, 3, 1, 10, 0, tzinfo=CHINA_TZ)
    assert escalation.due_at < late

    with time_machine.travel(late, tick=False):
        step = step_for(letter_case, now=late)

    assert step.kind == "late"
    assert step.due.late
    # The body after the lender on the route, with its letter.
    route = route_for_complaint(letter_case)
    following = next(s for s in route if s.lender is None or s.lender != letter_case.lender)
    name = following.lender.name if following.lender else following.regulator.name_zh
    assert name in step.button_label
    assert regulator  # in the directory, whether or not the route picks it


def test_it_offers_to_resolve_after_a_satisfying_answer(letter_case, borrower):
    escalation = send_to_lender(letter_case, borrower)
    escalation.status = EscalationStatus.ANSWERED
    escalation.satisfied = True
    escalation.answered_at = NOW
    escalation.save()

    step = step_for(letter_case, allowed={Status.RESOLVED, Status.CLOSED})

    assert step.kind == "satisfied"
    assert step.button_status == Status.RESOLVED


def test_it_moves_on_after_an_unsatisfying_answer(letter_case, borrower):
    escalation = send_to_lender(letter_case, borrower)
    escalation.status = EscalationStatus.ANSWERED
    escalation.satisfied = False
    escalation.answered_at = NOW
    escalation.save()

    step = step_for(letter_case)

    assert step.kind == "answered"
    assert f"lender-{letter_case.lender_id}" not in step.button_url


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_a_finished_complaint_has_no_button(letter_case, status):
    letter_case.status = status
    letter_case.save()

    step = step_for(letter_case)

    assert step.kind == "finished"
    assert not step.button_url and not step.button_status


# --- Days left ---------------------------------------------------------------------------


def test_the_due_day_counts_to_its_end():
    due = datetime(2026, 12, 11, 23, 59, 59, tzinfo=CHINA_TZ)  # Friday

    with translation.override("en"):
        text = due_for(due, now=NOW, working_days=True).text

    assert text == "4 working days left: until the end of December 11."


def test_it_says_so_in_chinese():
    due = datetime(2026, 12, 15, 23, 59, 59, tzinfo=CHINA_TZ)  # the next Tuesday

    with translation.override("zh-hans"):
        text = due_for(due, now=NOW, working_days=True).text

    assert text == "还有 6 个工作日，12月15日当天 24:00 前。"


def test_it_counts_calendar_days_when_the_rule_does():
    due = datetime(2026, 12, 15, 23, 59, 59, tzinfo=CHINA_TZ)

    with translation.override("en"):
        text = due_for(due, now=NOW, working_days=False).text

    assert text == "8 days left: until the end of December 15."


def test_due_today_is_not_late():
    due = datetime(2026, 12, 7, 23, 59, 59, tzinfo=CHINA_TZ)

    with translation.override("en"):
        result = due_for(due, now=NOW, working_days=True)

    assert not result.late
    assert result.text == "Due today, until the end of the day (24:00)."


def test_it_counts_the_days_late():
    due = datetime(2026, 12, 4, 23, 59, 59, tzinfo=CHINA_TZ)

    with translation.override("en"):
        result = due_for(due, now=NOW, working_days=True)

    assert result.late
    assert result.text == "Overdue by 3 days: it was due by the end of December 4."


def test_my_complaints_show_the_days_left(client, letter_case, borrower):
    with time_machine.travel(NOW, tick=False):
        send_to_lender(letter_case, borrower)
        client.force_login(borrower)

        html = client.get(reverse("complaints:mine")).content.decode()

    assert "还有 15 天，12月22日当天 24:00 前。" in html
