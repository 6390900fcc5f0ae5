"""Working days in mainland China: weekends, public holidays and make-up working days (调休).

The State Council publishes each year's schedule in the autumn before. It moves
holidays next to weekends and turns some Saturdays and Sundays into working days, so
"15 working days" cannot be counted from weekdays alone. Three layers decide, the first
that knows wins:

1. `HolidayOverride` rows, which admins keep in the admin: a correction, or a year the
   package below does not know yet.
2. The `holidays` package (pinned in requirements.txt). Its China calendar carries the
   official schedule, make-up working days included (`weekend_workdays`), for the years
   its maintainers have entered: up to 2026 in 0.108. For later years it only knows the
   statutory holidays by rule, without make-up days: `official_schedule_known` says so,
   and the admin's holiday page warns about those years.
3. Saturday and Sunday are rest days.

A year is *known* when the package has its official schedule or an admin has marked it
entered in full (`HolidaySchedule`). A due date in a year that is not known is an
estimate: the make-up working days that may move it are missing. Pages say so ("预计",
with why), admins are reminded to enter the schedule, and entering it recounts the
deadlines still running (escalations/schedules.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

import holidays
from django.core.cache import cache as shared_cache
from django.utils.translation import gettext as _

from lib import versions
from lib.china import china_day

# Bumped by the admin when a year is marked entered; the set of such years is cached
# under it (every complaint page with a deadline asks).
SCHEDULES_VERSION = "holiday-schedules"

# Longer than any deadline we count (60 working days is the longest rule in the domain
# notes); a loop that gets this far has a bug or a table with no working day in it.
MAX_SPAN_DAYS = 3 * 366


@cache
def _package_calendar(year: int) -> holidays.HolidayBase:
    # One immutable object per year, built once per process: the package computes lunar
    # dates and is not free. Admin overrides are not cached (see WorkingCalendar).
    return holidays.China(years=year)


def official_schedule_known(year: int) -> bool:
    """Whether the package has the State Council's schedule for `year`.

    Every published schedule since 2000 has had at least one make-up working day, so a
    year without any means the package only computed the statutory holidays.
    """
    return any(d.year == year for d in _package_calendar(year).weekend_workdays)


def last_official_year(today: date) -> int | None:
    """The last year, from a few years back to two ahead, with the official schedule."""
    known = [y for y in range(today.year - 3, today.year + 3) if official_schedule_known(y)]
    return max(known) if known else None


def entered_years() -> frozenset[int]:
    """The years an admin marked as entered in full."""
    from .models import HolidaySchedule

    key = f"holiday-schedules:{versions.version(SCHEDULES_VERSION)}"
    return shared_cache.get_or_set(
        key, lambda: frozenset(HolidaySchedule.objects.values_list("year", flat=True)), None
    )


def schedule_known(year: int) -> bool:
    """Whether `year`'s holidays and make-up working days are all known."""
    return official_schedule_known(year) or year in entered_years()


def missing_years(today: date) -> list[int]:
    """This year and next, where their schedule is still to be entered."""
    return [y for y in (today.year, today.year + 1) if not schedule_known(y)]


def estimate_reason(due_at: datetime | None) -> str:
    """Why a due date is only an estimate ("" when it is not)."""
    if due_at is None:
        return ""
    year = china_day(due_at).year
    if schedule_known(year):
        return ""
    return _(
        "Estimate: the State Council's %(year)d holiday schedule is not entered yet, and its "
        "make-up working days may move this date."
    ) % {"year": year}


class WorkingCalendar:
    """Answers "is this a working day?" for a stretch of dates without a query per date.

    Build one per computation: the admins' overrides are taken when it is built (from the
    cache, under the calendar's version), so a change in the admin counts from the next
    computation on.
    """

    def __init__(self, *, overrides: dict[date, bool] | None = None) -> None:
        if overrides is None:
            from .models import HolidayOverride

            # Read once per version of the calendar (every admin change to it bumps
            # SCHEDULES_VERSION, schedules.deadlines_recount), not on every page.
            key = f"holiday-overrides:{versions.version(SCHEDULES_VERSION)}"
            overrides = shared_cache.get_or_set(
                key, lambda: dict(HolidayOverride.objects.values_list("date", "is_working_day")), None
            )
        self._overrides = overrides

    def is_working_day(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        calendar = _package_calendar(day.year)
        if day in calendar.weekend_workdays:
            return True
        if day in calendar:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (the day itself never counts).

        A complaint sent on a Friday with a 1-working-day deadline is due on Monday, or
        later if Monday is a holiday.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        day, counted = start, 0
        for _step in range(MAX_SPAN_DAYS):
            if counted == days:
                return day
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        raise ValueError("no working day within three years; check the holiday overrides")

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        for _step in range(MAX_SPAN_DAYS):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no working day within three years; check the holiday overrides")

    def add_calendar_days(self, start: date, days: int) -> date:
        """`days` calendar days after `start`, moved off a rest day.

        Civil Code Art 201 does not count the first day; Art 203 moves a period that ends
        on a statutory rest day to the day after the rest ends. The article numbers are
        from our reading of the Civil Code, not from the domain notes: verify them.
        """
        return self.next_working_day(start + timedelta(days=days))
