"""Which collection-conduct rules each incident breaks.

The rules are ConductRule rows (seeded from the domain notes, kept by admins); this
module only applies them. `check_incident` is a pure function of one incident, the
rules and the other incidents of the same day, so it is tested without a database;
`breaches_for_complaint` feeds it a whole complaint in two queries, however many
incidents the complaint has.

What an incident records is less than what the rules speak of (a connected call, an
unanswered dial, how many collectors came). Where a check has to approximate, the
comment at the check says how; a rule that can only be pointed out, never found broken,
is marked `possible_only` and every output words it as "may break".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _

from complaints.models import Complaint, ContactedParty, HarassmentKind, Incident
from lib import versions
from lib.china import CHINA_TZ
from lib.phones import normalize_phone

from .models import CheckKind, ConductRule

# The rules speak of Beijing time whatever the server's or the borrower's zone.

# Third parties the CBA guideline calls unrelated to the debt. An emergency contact is
# a pre-agreed one: calling them to reach the debtor is allowed, so such an incident
# counts only when the borrower recorded it as contacting third parties (their debt was
# discussed, or they were harassed beyond "where is the debtor").
UNRELATED_PARTIES = frozenset(
    {
        ContactedParty.FAMILY,
        ContactedParty.FRIENDS,
        ContactedParty.COLLEAGUES,
        ContactedParty.CONTACT_LIST,
        ContactedParty.PUBLIC,
    }
)


@dataclass(frozen=True)
class Breach:
    """An incident breaks (or, with `possible`, may break) `rule`."""

    rule: ConductRule
    # For the daily limits: this incident was the `count`-th of the day, over `limit`.
    count: int | None = None
    limit: int | None = None
    # For quiet hours: the incident's time of day in Beijing; for a series, `at` to `until`
    # with `count` of its calls certainly in quiet hours.
    at: time | None = None
    until: time | None = None
    # A series that spans quiet hours without a call known to be in them.
    uncertain: bool = False

    @property
    def possible(self) -> bool:
        return self.rule.possible_only or self.uncertain

    @property
    def detail(self) -> str:
        """What the check found, in the interface's language; "" when the rule says it all."""
        rule = self.rule
        if self.at is not None and self.until is not None:
            quiet = {
                "from": f"{self.at:%H:%M}",
                "to": f"{self.until:%H:%M}",
                "start": f"{rule.quiet_from:%H:%M}",
                "end": f"{rule.quiet_until:%H:%M}",
            }
            if self.uncertain:
                return (
                    _("A series from %(from)s to %(to)s Beijing time spans quiet hours (%(start)s–%(end)s).")
                    % quiet
                )
            return _(
                "At least %(count)d calls or messages between %(from)s and %(to)s Beijing time, "
                "in quiet hours (%(start)s–%(end)s)."
            ) % {**quiet, "count": self.count}
        if self.at is not None:
            return _("At %(time)s Beijing time; quiet hours are %(start)s–%(end)s.") % {
                "time": f"{self.at:%H:%M}",
                "start": f"{rule.quiet_from:%H:%M}",
                "end": f"{rule.quiet_until:%H:%M}",
            }
        if self.count is not None and rule.check_kind == CheckKind.CALLS_PER_CONTACT:
            return _("Call %(count)d that day to the same person; the limit is %(limit)d.") % {
                "count": self.count,
                "limit": self.limit,
            }
        if self.count is not None:
            return _("Contact %(count)d that day; the limit is %(limit)d.") % {
                "count": self.count,
                "limit": self.limit,
            }
        return ""

    @property
    def detail_zh(self) -> str:
        """The same in the letters' formal Chinese, whatever the interface's language."""
        rule = self.rule
        if self.at is not None:
            quiet = f"{rule.quiet_from:%H:%M}至{rule.quiet_until:%H:%M}时段"
            if self.until is None:
                return f"北京时间{self.at:%H:%M}，属{quiet}"
            if self.uncertain:
                return f"北京时间{self.at:%H:%M}至{self.until:%H:%M}连续联系，跨越{quiet}"
            return f"北京时间{self.at:%H:%M}至{self.until:%H:%M}，其中至少{self.count}次属{quiet}"
        if self.count is not None and rule.check_kind == CheckKind.CALLS_PER_CONTACT:
            return f"当日第{self.count}次拨打同一联系人，上限{self.limit}次"
        if self.count is not None:
            return f"当日第{self.count}次，上限{self.limit}次"
        return ""


def beijing_day(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


def in_quiet_hours(moment: datetime, start: time, end: time) -> bool:
    """Whether `moment` falls in [start, end) Beijing time; end before start wraps past midnight."""
    t = moment.astimezone(CHINA_TZ).time().replace(tzinfo=None)
    if start < end:
        return start <= t < end
    return t >= start or t < end


def _contact_key(incident: Incident) -> str | None:
    """Who a call reached, as far as the incident tells; None when it cannot tell.

    The borrower is one person. A third party is one person only when the borrower typed
    their number: "family" or "contact list" may be several people, and counting them as
    one would accuse a collector of dialling one number more often than it did.
    """
    if incident.contacted == ContactedParty.SELF:
        return "self"
    raw = incident.third_party_number.strip()
    if not raw:
        return None
    return f"number:{normalize_phone(raw) or raw}"


def _sort_key(incident: Incident) -> tuple[datetime, int]:
    return (incident.occurred_at, incident.pk or 0)


def _last_key(incident: Incident) -> tuple[datetime, int]:
    """When an incident's last call was: a series' end, else its only moment."""
    return (getattr(incident, "ended_at", None) or incident.occurred_at, incident.pk or 0)


def _calls(incident: Incident) -> int:
    """How many calls an incident stands for: a series counts each of its calls."""
    return getattr(incident, "series_count", None) or 1


def _calls_before(other: Incident, moment: tuple[datetime, int]) -> int:
    """How many of `other`'s calls certainly came before `moment`.

    A series' first call is at its start and its last at its end; the ones between could
    be anywhere between. So all of them count once the series ended, only its first while
    it was still going on: a count that can only be low, never accuse a collector of more.
    """
    if _last_key(other) < moment:
        return _calls(other)
    if _sort_key(other) < moment:
        return 1
    return 0


def _rank_in_day(
    incident: Incident, rule: ConductRule, same_day: Sequence[Incident], same: Callable[[Incident], bool]
) -> int:
    """Which one of the day's counted calls the incident's last one is: 1 for the first.

    Counted: incidents on the rule's channels for which `same(other)` holds, the
    incident itself included once however the caller passed it; a series incident
    counts as many calls as it stands for (series stay within one Beijing day).
    """
    day = beijing_day(incident.occurred_at)
    mine = _last_key(incident)
    earlier = sum(
        _calls_before(other, mine)
        for other in same_day
        if other is not incident
        and not (other.pk is not None and other.pk == incident.pk)
        and beijing_day(other.occurred_at) == day
        and rule.covers_channel(other.channel)
        and same(other)
    )
    return earlier + _calls(incident)


def _quiet_breach(rule: ConductRule, incident: Incident) -> Breach | None:
    """A call in quiet hours. A series' first and last calls are known moments; between
    them, calls may or may not have fallen in quiet hours, which is only "may break"."""
    start, until = rule.quiet_from, rule.quiet_until
    if start is None or until is None:
        return None
    first = incident.occurred_at
    last = getattr(incident, "ended_at", None)
    first_quiet = in_quiet_hours(first, start, until)
    if last is None or last == first:
        return Breach(rule=rule, at=first.astimezone(CHINA_TZ).time()) if first_quiet else None
    last_quiet = in_quiet_hours(last, start, until)
    t0 = first.astimezone(CHINA_TZ).time().replace(tzinfo=None)
    t1 = last.astimezone(CHINA_TZ).time().replace(tzinfo=None)
    if first_quiet and last_quiet:
        # Within one day, both ends quiet: the whole series was quiet unless daytime lies
        # between them (a window that wraps midnight, first before its end, last after its start).
        all_quiet = not (start > until and t0 < until <= t1)
        return Breach(
            rule=rule,
            at=t0,
            until=t1,
            count=_calls(incident) if all_quiet else min(2, _calls(incident)),
        )
    if first_quiet or last_quiet:
        return Breach(rule=rule, at=t0 if first_quiet else t1)
    # Neither end quiet: a window inside the day that the series spans may hold some calls.
    if start < until and t0 < start and until <= t1:
        return Breach(rule=rule, at=t0, until=t1, uncertain=True)
    return None


def _check(rule: ConductRule, incident: Incident, same_day: Sequence[Incident]) -> Breach | None:
    kind = rule.check_kind
    if kind == CheckKind.QUIET_HOURS:
        return _quiet_breach(rule, incident)
    if kind == CheckKind.CALLS_PER_DAY:
        # NIFA counts *connected* calls per debtor, the lender and its agencies together.
        # A complaint is about one lender, and a call the borrower recorded as an
        # incident is one they heard, so each call incident of the complaint that day
        # counts once, whoever it reached. Only the calls over the limit break the rule.
        if rule.max_per_day is None:
            return None
        count = _rank_in_day(incident, rule, same_day, lambda other: True)
        return Breach(rule=rule, count=count, limit=rule.max_per_day) if count > rule.max_per_day else None
    if kind == CheckKind.CALLS_PER_CONTACT:
        # The CBA counts *dials*, answered or not, to one contact. An incident is at least
        # one dial, so counting incidents can only undercount: a breach found here is one
        # the collector certainly committed. Calls whose person we cannot tell apart
        # (see _contact_key) are not counted.
        if rule.max_per_day is None:
            return None
        key = _contact_key(incident)
        if key is None:
            return None
        count = _rank_in_day(incident, rule, same_day, lambda other: _contact_key(other) == key)
        return Breach(rule=rule, count=count, limit=rule.max_per_day) if count > rule.max_per_day else None
    if kind == CheckKind.THIRD_PARTIES:
        if incident.contacted in UNRELATED_PARTIES or incident.kind == HarassmentKind.THIRD_PARTIES:
            return Breach(rule=rule)
        return None
    if kind == CheckKind.INCIDENT_KIND:
        return Breach(rule=rule) if incident.kind in rule.incident_kinds else None
    return None


def check_incident(
    incident: Incident, rules: Iterable[ConductRule], same_day_incidents: Sequence[Incident]
) -> list[Breach]:
    """The rules `incident` breaks, in the rules' order.

    `same_day_incidents` are the other incidents of the same complaint that day (Beijing
    time), for the daily limits; passing more (the whole complaint, the incident itself)
    is harmless: other days and the incident itself are left out here. Inactive rules
    are ignored. No database access.
    """
    breaches = []
    for rule in rules:
        if not rule.active or not rule.covers_channel(incident.channel):
            continue
        breach = _check(rule, incident, same_day_incidents)
        if breach is not None:
            breaches.append(breach)
    return breaches


# lib.versions name of the conduct rules, bumped by their admin and their seed.
RULES_VERSION = "conduct-rules"


def active_conduct_rules() -> list[ConductRule]:
    """Every complaint page checks its incidents against these; admins change them rarely,
    so they are cached until one is saved or deleted (the admin and the seed bump them)."""
    key = f"escalations:active-conduct-rules:{versions.version(RULES_VERSION)}"
    rules = cache.get(key)
    if rules is None:
        rules = list(ConductRule.objects.filter(active=True))
        cache.set(key, rules, 3600)
    return rules


def breaches_for_complaint(
    complaint: Complaint,
    *,
    incidents: Sequence[Incident] | None = None,
    rules: Sequence[ConductRule] | None = None,
) -> dict[int, list[Breach]]:
    """Every incident's breaches, by incident id (an empty list for an incident with none).

    Two queries (the active rules, the incidents), whatever the complaint's size; none
    for what the caller passes in, e.g. the incidents a page has already loaded.
    """
    rules = active_conduct_rules() if rules is None else rules
    incidents = list(complaint.incidents.all()) if incidents is None else incidents
    by_day: dict[date, list[Incident]] = defaultdict(list)
    for incident in incidents:
        by_day[beijing_day(incident.occurred_at)].append(incident)
    return {
        incident.pk: check_incident(incident, rules, by_day[beijing_day(incident.occurred_at)])
        for incident in incidents
    }


def breaches_of(breaches: dict[int, list[Breach]] | None, incident: Any) -> list[Breach]:
    """One incident's breaches from `breaches_for_complaint`'s answer (templates use this)."""
    return (breaches or {}).get(getattr(incident, "pk", None), [])
