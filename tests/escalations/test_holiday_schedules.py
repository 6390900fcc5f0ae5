"""Deadlines in years the calendar does not know: the `holidays` package has no make-up
working days for 2027, so a due date there is an estimate until an admin enters the
State Council's schedule; entering it counts the running deadlines again."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from complaints.models import TimelineEvent
from escalations.models import HolidayOverride, HolidaySchedule
from escalations.services import escalation_record
from notifications import services as reminders
from notifications.models import Kind, Reminder
from tests.escalations.conftest import CST
from tests.factories import RegulatorFactory

pytestmark = pytest.mark.django_db

SENT = datetime(2027, 9, 28, 10, 0, tzinfo=CST)  # a Tuesday, before National Day 2027
# The 2027 schedule as an admin would enter it: 1–7 October off, Saturday 9 October worked.
SCHEDULE_2027 = {date(2027, 10, d): False for d in range(1, 8)} | {date(2027, 10, 9): True}


@pytest.fixture
def escalation(letter_case, borrower):
    regulator = RegulatorFactory(kind="nfra", deadline_days=5, deadline_working_days=True)
    with time_machine.travel(SENT, tick=False):
        return escalation_record(
            complaint=letter_case,
            actor=borrower,
            regulator=regulator,
            channel="online",
            sent_at=SENT,
            now=SENT,
        )


def escalations_section(client, complaint) -> str:
    page = client.get(complaint.get_absolute_url()).content.decode()
    start = page.index('id="escalations"')
    return page[start : page.index("</section>", start)]


def enter_2027(client, admin_user):
    for day, working in SCHEDULE_2027.items():
        HolidayOverride.objects.create(date=day, is_working_day=working, note="2027 国庆节")
    client.force_login(admin_user)
    return client.post(
        reverse("admin:escalations_holidayschedule_add"), {"year": "2027", "source": "国办发明电"}
    )


def test_a_due_date_in_a_year_without_its_schedule_is_shown_as_an_estimate(client, borrower, escalation):
    # Counted without make-up days: 6 and 7 October pass for working days.
    assert escalation.due_at.date() == date(2027, 10, 8)

    with time_machine.travel(SENT, tick=False):
        client.force_login(borrower)
        section = escalations_section(client, escalation.complaint)

    assert "2027-10-08" in section
    assert "due-estimate" in section and "预计" in section
    assert "2027 年的国务院节假日安排尚未录入" in section
    note = TimelineEvent.objects.filter(complaint=escalation.complaint).latest("pk").display_note
    assert "2027-10-08（预计）" in note


def test_entering_the_schedule_recounts_the_deadline_and_drops_the_estimate(
    client, borrower, admin_user, escalation
):
    with time_machine.travel(datetime(2027, 9, 29, 9, 0, tzinfo=CST), tick=False):
        response = enter_2027(client, admin_user)
        escalation.refresh_from_db()
        client.force_login(borrower)
        section = escalations_section(client, escalation.complaint)

    assert response.status_code == 302
    # 29, 30 September, then 8, 9 (the worked Saturday) and 11 October.
    assert escalation.due_at.astimezone(CST).date() == date(2027, 10, 11)
    escalation.complaint.refresh_from_db()
    assert escalation.complaint.next_due_at == escalation.due_at
    assert "2027-10-11" in section and "due-estimate" not in section
    note = TimelineEvent.objects.filter(complaint=escalation.complaint).latest("pk").display_note
    assert "2027-10-11" in note and "2027-10-08" in note


def test_advocates_and_admins_are_told_on_the_dashboard_until_the_year_is_entered(
    client, advocate, admin_user
):
    with time_machine.travel(datetime(2026, 11, 28, 10, 0, tzinfo=CST), tick=False):
        client.force_login(advocate)
        before = client.get(reverse("cases:dashboard")).content.decode()
        enter_2027(client, admin_user)
        client.force_login(advocate)
        after = client.get(reverse("cases:dashboard")).content.decode()

    assert 'id="holiday-schedule-missing"' in before and "2027" in before
    assert 'id="holiday-schedule-missing"' not in after


def test_admins_get_a_weekly_reminder_to_enter_the_schedule(client, admin_user):
    monday = datetime(2026, 11, 30, 9, 30, tzinfo=CST)

    reminders.sweep(now=monday)
    reminders.sweep(now=monday)

    [reminder] = Reminder.objects.filter(recipient=admin_user, kind=Kind.HOLIDAY_SCHEDULE)
    assert "2027" in reminder.title
    assert reminder.link == reverse("admin:escalations_holidayoverride_changelist")

    with time_machine.travel(monday, tick=False):
        enter_2027(client, admin_user)
    reminders.sweep(now=datetime(2026, 12, 7, 9, 30, tzinfo=CST))

    assert Reminder.objects.filter(kind=Kind.HOLIDAY_SCHEDULE).count() == 1


def test_a_running_deadline_in_an_unknown_year_reminds_admins_before_november(admin_user, escalation):
    reminders.sweep(now=datetime(2027, 9, 28, 11, 0, tzinfo=CST))

    assert Reminder.objects.filter(recipient=admin_user, kind=Kind.HOLIDAY_SCHEDULE).exists()


def test_a_known_year_is_never_an_estimate(client, borrower, letter_case):
    regulator = RegulatorFactory(kind="nfra", deadline_days=5, deadline_working_days=True)
    sent = datetime(2026, 9, 28, 10, 0, tzinfo=CST)
    with time_machine.travel(sent, tick=False):
        escalation_record(
            complaint=letter_case,
            actor=borrower,
            regulator=regulator,
            channel="online",
            sent_at=sent,
            now=sent,
        )
        client.force_login(borrower)
        section = escalations_section(client, letter_case)

    assert "due-estimate" not in section
    assert not HolidaySchedule.objects.exists()
