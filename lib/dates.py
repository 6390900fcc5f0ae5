"""The range of dates and times people may type for things that already happened.

Without it, `0001-01-01T00:00` passed the forms and crashed the page when the database
adapter moved it to UTC (year 0 does not exist), and an escalation could be "sent" in
year 1. Forms use the fields below; services check with `past_moment_problem` too, so
every path (admin, commands, future API) obeys the same range.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _

EARLIEST_DAY = date(2000, 1, 1)
# A phone clock that runs a few minutes ahead is not a lie about the future.
FUTURE_SLACK = timedelta(minutes=10)


def too_early_message() -> str:
    return _("Enter a date from 1 January 2000 on.")


def past_moment_problem(moment: datetime, *, now: datetime) -> str | None:
    """Why `moment` cannot be when something happened, or None. The year is checked before
    any arithmetic: converting a year-1 local time to UTC overflows."""
    if moment.year < EARLIEST_DAY.year:
        return too_early_message()
    if moment > now + FUTURE_SLACK:
        return _("The time cannot be in the future.")
    return None


def past_day_problem(day: date, *, today: date) -> str | None:
    if day < EARLIEST_DAY:
        return too_early_message()
    if day > today:
        return _("The date cannot be in the future.")
    return None


class PastDateField(forms.DateField):
    """A day that has already come, from 2000 on (China's date decides "today")."""

    def widget_attrs(self, widget: Any) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "min": EARLIEST_DAY.isoformat()}

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None:
            problem = past_day_problem(value, today=timezone.localdate())
            if problem:
                raise forms.ValidationError(problem, code="out_of_range")


class PastDateTimeField(forms.DateTimeField):
    """A moment that has already happened, from 2000 on."""

    def widget_attrs(self, widget: Any) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "min": f"{EARLIEST_DAY.isoformat()}T00:00"}

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None:
            problem = past_moment_problem(value, now=timezone.now())
            if problem:
                raise forms.ValidationError(problem, code="out_of_range")
