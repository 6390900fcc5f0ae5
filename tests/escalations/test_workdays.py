"""Working-day arithmetic on China's calendar, with fixed dates and no clock."""

from __future__ import annotations

from datetime import date

import pytest

from escalations.models import HolidayOverride
from escalations.workdays import WorkingCalendar, official_schedule_known

# The package alone: no admin overrides, no database.
CALENDAR = WorkingCalendar(overrides={})


def test_it_knows_the_official_2026_schedule():
    assert official_schedule_known(2026)


def test_it_skips_a_weekend():
    # Friday 2026-11-20 + 1 working day = Monday 2026-11-23.
    assert CALENDAR.add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)


def test_it_does_not_count_the_day_it_starts():
    assert CALENDAR.add_working_days(date(2026, 11, 23), 0) == date(2026, 11, 23)
    assert CALENDAR.add_working_days(date(2026, 11, 23), 1) == date(2026, 11, 24)


@pytest.mark.parametrize(
    "day",
    [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7)],
)
def test_it_knows_golden_week_weekdays_are_holidays(day):
    assert day.weekday() < 5
    assert not CALENDAR.is_working_day(day)


def test_it_skips_golden_week():
    # Wednesday 2026-09-30 + 1 working day: 1–7 October are off, Thursday the 8th works.
    assert CALENDAR.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)


@pytest.mark.parametrize("day", [date(2026, 9, 20), date(2026, 10, 10)])
def test_it_counts_a_make_up_working_weekend_day(day):
    assert day.weekday() >= 5
    assert CALENDAR.is_working_day(day)


def test_it_counts_the_make_up_saturday_after_golden_week():
    # Friday 2026-10-09 + 1 working day = Saturday 2026-10-10, a make-up working day (调休).
    assert CALENDAR.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)


def test_it_counts_fifteen_working_days_across_golden_week():
    # 29, 30 Sep; 8, 9, 10 (Sat), 12–16, 19–23 Oct: the 15th working day is 23 October.
    assert CALENDAR.add_working_days(date(2026, 9, 28), 15) == date(2026, 10, 23)


def test_it_counts_fifteen_working_days_across_spring_festival():
    # 2026: 15–23 Feb off; Saturdays 14 and 28 Feb are make-up working days.
    assert CALENDAR.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert CALENDAR.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)


def test_it_moves_a_calendar_deadline_off_a_holiday():
    # 15 days after 16 September is 1 October, National Day: due on the 8th.
    assert CALENDAR.add_calendar_days(date(2026, 9, 16), 15) == date(2026, 10, 8)


def test_it_moves_a_calendar_deadline_off_a_weekend():
    # 15 days after Thursday 2026-11-06 is Saturday the 21st: due Monday the 23rd.
    assert CALENDAR.add_calendar_days(date(2026, 11, 6), 15) == date(2026, 11, 23)


def test_it_keeps_a_calendar_deadline_on_a_make_up_saturday():
    # 10 October 2026 is a Saturday, but a working one.
    assert CALENDAR.add_calendar_days(date(2026, 9, 30), 10) == date(2026, 10, 10)


def test_it_refuses_negative_days():
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(date(2026, 11, 20), -1)


@pytest.mark.django_db
def test_it_lets_an_admin_enter_a_year_the_package_lacks():
    # A made-up schedule for 2027: Friday 8 October off, Saturday 9 October worked.
    HolidayOverride.objects.create(date=date(2027, 10, 8), is_working_day=False, note="2027 国庆节")
    HolidayOverride.objects.create(date=date(2027, 10, 9), is_working_day=True, note="2027 调休")
    calendar = WorkingCalendar()

    assert not calendar.is_working_day(date(2027, 10, 8))
    assert calendar.is_working_day(date(2027, 10, 9))
    assert calendar.add_working_days(date(2027, 10, 7), 1) == date(2027, 10, 9)


@pytest.mark.django_db
def test_it_lets_an_admin_correct_the_package():
    HolidayOverride.objects.create(date=date(2026, 10, 10), is_working_day=False, note="更正")

    assert not WorkingCalendar().is_working_day(date(2026, 10, 10))
