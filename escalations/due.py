"""How a deadline reads to a borrower: the days left and the day it ends.

A body's answer "due by 15 December" may come at any time that day: `compute_due_at`
stores the last second of the day (Civil Code Art 203), so the wording says "until the
end of" that day, never "before" it, which a frightened person reads as the day earlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lib.china import china_day

from .workdays import WorkingCalendar, estimate_reason


@dataclass(frozen=True)
class Due:
    text: str  # "5 working days left: until the end of 15 December"
    late: bool
    estimate: str  # why the date is only an estimate, or ""


def _day_label(day: date, today: date) -> str:
    return date_format(day, "MONTH_DAY_FORMAT" if day.year == today.year else "DATE_FORMAT")


def _working_days_after(today: date, day: date, calendar: WorkingCalendar) -> int:
    """Working days after today up to and including `day`."""
    count, current = 0, today + timedelta(days=1)
    while current <= day:
        count += calendar.is_working_day(current)
        current += timedelta(days=1)
    return count


def due_for(
    due_at: datetime,
    *,
    now: datetime,
    working_days: bool,
    calendar: WorkingCalendar | None = None,
) -> Due:
    """The days left until `due_at` (in working days when the rule counts them), in words.

    Build one `calendar` for a list of rows: it reads the holiday overrides once.
    """
    today, day = china_day(now), china_day(due_at)
    label = _day_label(day, today)
    estimate = estimate_reason(due_at)
    if now > due_at:
        n = max((today - day).days, 1)
        text = ngettext(
            "Overdue by %(n)d day: it was due by the end of %(date)s.",
            "Overdue by %(n)d days: it was due by the end of %(date)s.",
            n,
        ) % {"n": n, "date": label}
        return Due(text, True, estimate)
    if day == today:
        return Due(_("Due today, until the end of the day (24:00)."), False, estimate)
    left = _working_days_after(today, day, calendar or WorkingCalendar()) if working_days else 0
    if left:
        text = ngettext(
            "%(n)d working day left: until the end of %(date)s.",
            "%(n)d working days left: until the end of %(date)s.",
            left,
        ) % {"n": left, "date": label}
    else:
        n = (day - today).days
        text = ngettext(
            "%(n)d day left: until the end of %(date)s.",
            "%(n)d days left: until the end of %(date)s.",
            n,
        ) % {"n": n, "date": label}
    return Due(text, False, estimate)
