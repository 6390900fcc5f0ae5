"""China's clock: one time zone for the whole country, with no daylight saving.

Deadlines, quiet hours and "night" in the conduct rules run on China's calendar days,
whatever time zone a person's page shows (a borrower abroad, a server in UTC), so this
is a constant of the country and never read from settings.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")


def china_day(moment: datetime) -> date:
    """The calendar day `moment` falls on in China."""
    return moment.astimezone(CHINA_TZ).date()
