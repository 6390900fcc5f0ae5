"""A series incident (many calls in one entry) as the conduct-rule checks count it."""

from __future__ import annotations

from datetime import datetime, time

from complaints.models import Channel, ContactedParty, HarassmentKind, Incident
from escalations.conduct import check_incident
from escalations.models import ConductRule
from escalations.seed_data import CONDUCT_RULES
from tests.escalations.conftest import CST

SEEDED = {rule["code"]: rule for rule in CONDUCT_RULES}


def rule(code: str, **overrides) -> ConductRule:
    return ConductRule(**{**SEEDED[code], **overrides})


def at(hour: int, minute: int = 0, day: int = 20) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CST)


def incident(when: datetime, **fields) -> Incident:
    fields.setdefault("channel", Channel.CALL)
    fields.setdefault("kind", HarassmentKind.OTHER)
    fields.setdefault("contacted", ContactedParty.SELF)
    return Incident(occurred_at=when, **fields)


def codes(found) -> list[str]:
    return [b.rule.code for b in found]


# --- Calls per day (NIFA: 3 connected calls) ------------------------------------------


def test_a_series_of_forty_calls_breaks_the_daily_limit_on_its_own():
    blast = incident(at(10), ended_at=at(12), series_count=40, pk=1)

    found = check_incident(blast, [rule("nifa-connected-calls")], [blast])

    assert codes(found) == ["nifa-connected-calls"]
    assert (found[0].count, found[0].limit) == (40, 3)


def test_a_series_of_three_calls_alone_is_within_the_limit():
    series = incident(at(10), ended_at=at(11), series_count=3, pk=1)

    assert check_incident(series, [rule("nifa-connected-calls")], [series]) == []


def test_a_single_call_after_a_finished_series_counts_all_its_calls():
    series = incident(at(9), ended_at=at(9, 30), series_count=3, pk=1)
    later = incident(at(10), pk=2)

    found = check_incident(later, [rule("nifa-connected-calls")], [series, later])

    assert (found[0].count, found[0].limit) == (4, 3)


def test_a_call_during_a_series_counts_only_its_first_call_before_it():
    # Of the calls between 09:00 and 12:00, only the first is known to come before 10:00.
    series = incident(at(9), ended_at=at(12), series_count=10, pk=1)
    during = incident(at(10), pk=2)
    day = [series, during]

    assert check_incident(during, [rule("nifa-connected-calls")], day) == []  # 2nd call of the day
    found = check_incident(series, [rule("nifa-connected-calls")], day)
    assert found[0].count == 11  # the series' last call came after the call at 10:00


def test_a_series_on_another_day_does_not_count():
    series = incident(at(9, day=19), ended_at=at(20, day=19), series_count=30, pk=1)
    today = [incident(at(9 + i), pk=2 + i) for i in range(3)]

    assert all(check_incident(i, [rule("nifa-connected-calls")], [series, *today]) == [] for i in today)


def test_messages_in_a_series_are_not_calls():
    texts = incident(at(9), ended_at=at(10), series_count=50, channel=Channel.SMS, pk=1)

    assert check_incident(texts, [rule("nifa-connected-calls")], [texts]) == []


def test_a_series_to_the_borrower_counts_each_dial_to_the_same_person():
    series = incident(at(9), ended_at=at(10), series_count=7, pk=1)

    found = check_incident(series, [rule("cba-dials-per-contact")], [series])

    assert (found[0].count, found[0].limit) == (7, 6)


# --- Night contact (NIFA: 22:00–08:00 Beijing) -------------------------------------------


def test_a_series_all_at_night_counts_every_call_in_quiet_hours():
    series = incident(at(22, 10), ended_at=at(23, 50), series_count=25, pk=1)

    found = check_incident(series, [rule("nifa-quiet-hours")], [series])

    assert codes(found) == ["nifa-quiet-hours"]
    breach = found[0]
    assert not breach.possible
    assert (breach.at, breach.until, breach.count) == (time(22, 10), time(23, 50), 25)
    assert "25" in breach.detail_zh and "22:10" in breach.detail_zh


def test_a_series_that_ends_at_night_breaks_the_rule_at_its_last_call():
    series = incident(at(20), ended_at=at(22, 30), series_count=12, pk=1)

    found = check_incident(series, [rule("nifa-quiet-hours")], [series])

    assert not found[0].possible
    assert found[0].at == time(22, 30)


def test_a_series_from_early_morning_to_night_counts_only_its_two_known_calls():
    # 07:00 and 23:00 are both quiet; the day between is not, so only two calls are certain.
    series = incident(at(7), ended_at=at(23), series_count=30, pk=1)

    found = check_incident(series, [rule("nifa-quiet-hours")], [series])

    assert found[0].count == 2


def test_a_daytime_series_does_not_break_the_night_rule():
    series = incident(at(9), ended_at=at(21, 59), series_count=30, pk=1)

    assert check_incident(series, [rule("nifa-quiet-hours")], [series]) == []


def test_a_series_around_a_quiet_window_inside_the_day_may_break_it():
    lunch = rule("nifa-quiet-hours", quiet_from=time(12), quiet_until=time(14))
    series = incident(at(11), ended_at=at(15), series_count=8, pk=1)

    found = check_incident(series, [lunch], [series])

    assert found and found[0].possible  # calls may, not must, have fallen in 12:00–14:00
