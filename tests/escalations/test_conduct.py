"""Conduct-rule checks: each check at its edges, admin-edited limits, the selector's cost."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.urls import reverse

from complaints.models import Channel, ContactedParty, HarassmentKind, Incident, Status
from escalations.conduct import breaches_for_complaint, check_incident, in_quiet_hours
from escalations.models import ConductRule
from escalations.seed_data import CONDUCT_RULES
from tests.escalations.conftest import CST
from tests.factories import ComplaintFactory, IncidentFactory

SEEDED = {rule["code"]: rule for rule in CONDUCT_RULES}


def rule(code: str, **overrides) -> ConductRule:
    """A seeded rule as an unsaved row: the checks need no database."""
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


# --- Quiet hours ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "breaks"),
    [
        (at(21, 59), False),
        (at(22, 0), True),
        (at(23, 59), True),
        (at(0, 0), True),
        (at(7, 59), True),
        (at(8, 0), False),
        (at(12, 0), False),
    ],
)
def test_it_finds_contact_in_quiet_hours_at_the_edges(when, breaks):
    found = check_incident(incident(when), [rule("nifa-quiet-hours")], [])

    assert codes(found) == (["nifa-quiet-hours"] if breaks else [])


def test_it_reads_quiet_hours_in_beijing_time_whatever_the_zone_stored():
    # 14:00 UTC is 22:00 in Beijing; 23:59 UTC the night before is 07:59 there.
    late = incident(datetime(2026, 11, 20, 14, 0, tzinfo=UTC))
    early = incident(datetime(2026, 11, 19, 23, 59, tzinfo=UTC))
    day = incident(datetime(2026, 11, 20, 0, 0, tzinfo=UTC))  # 08:00 Beijing

    results = [check_incident(i, [rule("nifa-quiet-hours")], []) for i in (late, early, day)]

    assert [bool(r) for r in results] == [True, True, False]
    assert results[0][0].at == time(22, 0)


def test_it_counts_quiet_hours_within_one_day_when_they_do_not_wrap():
    assert in_quiet_hours(at(13, 0), time(12, 0), time(14, 0))
    assert not in_quiet_hours(at(14, 0), time(12, 0), time(14, 0))
    assert not in_quiet_hours(at(11, 59), time(12, 0), time(14, 0))


def test_the_cba_night_rule_covers_calls_and_visits_only():
    rules = [rule("nifa-quiet-hours"), rule("cba-quiet-hours")]

    sms = check_incident(incident(at(23, 0), channel=Channel.SMS), rules, [])
    visit = check_incident(incident(at(23, 0), channel=Channel.VISIT), rules, [])

    assert codes(sms) == ["nifa-quiet-hours"]
    assert codes(visit) == ["nifa-quiet-hours", "cba-quiet-hours"]


# --- Connected calls per day (NIFA: 3) --------------------------------------------------


def calls(n: int, *, start: datetime | None = None, **fields) -> list[Incident]:
    start = start or at(9)
    return [incident(start + timedelta(minutes=10 * i), pk=i + 1, **fields) for i in range(n)]


def test_it_allows_exactly_the_daily_limit_of_calls():
    day = calls(3)

    assert [check_incident(i, [rule("nifa-connected-calls")], day) for i in day] == [[], [], []]


def test_it_finds_the_call_over_the_daily_limit_and_only_that_one():
    day = calls(4)

    found = [check_incident(i, [rule("nifa-connected-calls")], day) for i in day]

    assert [len(f) for f in found] == [0, 0, 0, 1]
    assert (found[3][0].count, found[3][0].limit) == (4, 3)


def test_it_counts_calls_per_beijing_day():
    # 23:30 and 00:30 are on two days: two calls each, under the limit.
    night = [
        incident(at(23, 0, day=20), pk=1),
        incident(at(23, 30, day=20), pk=2),
        incident(at(0, 30, day=21), pk=3),
        incident(at(1, 0, day=21), pk=4),
    ]

    assert [check_incident(i, [rule("nifa-connected-calls")], night) for i in night] == [[], [], [], []]


def test_it_does_not_count_messages_as_calls():
    day = [*calls(3), incident(at(18), pk=9, channel=Channel.SMS)]

    assert all(check_incident(i, [rule("nifa-connected-calls")], day) == [] for i in day)


def test_a_lower_limit_changes_the_result():
    day = calls(3)

    found = check_incident(day[2], [rule("nifa-connected-calls", max_per_day=2)], day)

    assert codes(found) == ["nifa-connected-calls"]


# --- Dials to one person per day (CBA: 6) -----------------------------------------------


def test_it_allows_exactly_six_calls_to_the_borrower():
    day = calls(6)

    assert all(check_incident(i, [rule("cba-dials-per-contact")], day) == [] for i in day)


def test_it_finds_the_seventh_call_to_the_borrower():
    day = calls(7)

    found = check_incident(day[6], [rule("cba-dials-per-contact")], day)

    assert codes(found) == ["cba-dials-per-contact"]
    assert (found[0].count, found[0].limit) == (7, 6)


def test_it_counts_one_third_party_by_their_number_however_it_was_typed():
    numbers = ["138 0000 1111", "+86 13800001111", "13800001111", "0086-138-0000-1111"]
    day = [
        incident(at(9, i), pk=i + 1, contacted=ContactedParty.FAMILY, third_party_number=numbers[i % 4])
        for i in range(7)
    ]

    found = [check_incident(i, [rule("cba-dials-per-contact")], day) for i in day]

    assert [len(f) for f in found] == [0, 0, 0, 0, 0, 0, 1]


def test_it_does_not_count_third_parties_it_cannot_tell_apart():
    # Seven calls to "family" may be seven relatives: no number, no count.
    day = calls(7, contacted=ContactedParty.FAMILY)

    assert all(check_incident(i, [rule("cba-dials-per-contact")], day) == [] for i in day)


def test_it_counts_each_person_on_their_own():
    day = [
        *calls(6),
        *calls(6, start=at(15), contacted=ContactedParty.FRIENDS, third_party_number="13900002222"),
    ]
    for pk, i in enumerate(day, start=1):
        i.pk = pk

    assert all(check_incident(i, [rule("cba-dials-per-contact")], day) == [] for i in day)


# --- Third parties ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contacted", "kind", "breaks"),
    [
        (ContactedParty.FAMILY, HarassmentKind.THREATS, True),
        (ContactedParty.FRIENDS, HarassmentKind.OTHER, True),
        (ContactedParty.COLLEAGUES, HarassmentKind.OTHER, True),
        (ContactedParty.CONTACT_LIST, HarassmentKind.OTHER, True),
        (ContactedParty.PUBLIC, HarassmentKind.PUBLIC_SHAMING, True),
        (ContactedParty.SELF, HarassmentKind.THIRD_PARTIES, True),
        # A pre-agreed contact may be called to reach the debtor...
        (ContactedParty.EMERGENCY_CONTACT, HarassmentKind.OTHER, False),
        # ...unless the borrower says it went beyond that.
        (ContactedParty.EMERGENCY_CONTACT, HarassmentKind.THIRD_PARTIES, True),
        (ContactedParty.SELF, HarassmentKind.THREATS, False),
        (ContactedParty.OTHER, HarassmentKind.OTHER, False),
    ],
)
def test_it_finds_contact_with_unrelated_third_parties(contacted, kind, breaks):
    found = check_incident(incident(at(12), contacted=contacted, kind=kind), [rule("cba-third-parties")], [])

    assert codes(found) == (["cba-third-parties"] if breaks else [])


# --- What the collectors did ------------------------------------------------------------

KIND_RULES = [
    "cba-impersonation",
    "cba-fake-legal-documents",
    "cba-public-disclosure",
    "cba-threats",
    "cba-insults",
    "cba-visits",
    "nifa-unlawful-fees",
]


@pytest.mark.parametrize(
    ("kind", "channel", "expected"),
    [
        (HarassmentKind.IMPERSONATION, Channel.CALL, ["cba-impersonation"]),
        (HarassmentKind.IMPERSONATION, Channel.LETTER, ["cba-impersonation", "cba-fake-legal-documents"]),
        (HarassmentKind.PUBLIC_SHAMING, Channel.SOCIAL, ["cba-public-disclosure"]),
        (HarassmentKind.THREATS, Channel.SMS, ["cba-threats"]),
        (HarassmentKind.INSULTS, Channel.IM, ["cba-insults"]),
        (HarassmentKind.VISIT, Channel.VISIT, ["cba-visits"]),
        (HarassmentKind.UNLAWFUL_FEES, Channel.CALL, ["nifa-unlawful-fees"]),
        (HarassmentKind.OTHER, Channel.CALL, []),
    ],
)
def test_it_maps_each_kind_of_incident_to_its_rule(kind, channel, expected):
    found = check_incident(incident(at(12), kind=kind, channel=channel), [rule(c) for c in KIND_RULES], [])

    assert codes(found) == expected


def test_a_visit_is_only_a_possible_breach():
    # How many collectors came is not recorded: the two-collector rule is pointed out, not found broken.
    [found] = check_incident(incident(at(12), kind=HarassmentKind.VISIT), [rule("cba-visits")], [])

    assert found.possible
    assert not check_incident(incident(at(12), kind=HarassmentKind.THREATS), [rule("cba-threats")], [])[
        0
    ].possible


def test_it_ignores_inactive_rules():
    found = check_incident(
        incident(at(23), kind=HarassmentKind.THREATS),
        [rule("nifa-quiet-hours", active=False), rule("cba-threats")],
        [],
    )

    assert codes(found) == ["cba-threats"]


def test_it_finds_every_rule_an_incident_breaks_in_the_rules_order():
    rules = sorted((rule(code) for code in SEEDED), key=lambda r: r.order)

    found = check_incident(
        incident(at(23, 30), kind=HarassmentKind.THREATS, contacted=ContactedParty.FAMILY), rules, []
    )

    assert codes(found) == ["nifa-quiet-hours", "cba-quiet-hours", "cba-third-parties", "cba-threats"]


# --- With the database: the selector, admin edits --------------------------------------


@pytest.fixture
def complaint(db, borrower):
    return ComplaintFactory(filer=borrower, status=Status.SUBMITTED)


def add_calls(complaint, n: int, start: datetime) -> list[Incident]:
    return [
        IncidentFactory(
            complaint=complaint,
            occurred_at=start + timedelta(minutes=i),
            channel=Channel.CALL,
            kind=HarassmentKind.OTHER,
        )
        for i in range(n)
    ]


@pytest.mark.django_db
def test_the_selector_checks_every_incident_of_a_complaint(complaint, conduct_rules):
    made = add_calls(complaint, 4, at(9))
    night = IncidentFactory(complaint=complaint, occurred_at=at(23, 15, day=21), kind=HarassmentKind.INSULTS)

    breaches = breaches_for_complaint(complaint)

    assert set(breaches) == {i.pk for i in [*made, night]}
    assert [codes(breaches[i.pk]) for i in made] == [[], [], [], ["nifa-connected-calls"]]
    assert codes(breaches[night.pk]) == ["nifa-quiet-hours", "cba-quiet-hours", "cba-insults"]


@pytest.mark.django_db
@pytest.mark.parametrize("incident_count", [1, 30])
def test_the_selector_costs_two_queries_whatever_the_size(
    complaint, conduct_rules, django_assert_num_queries, incident_count
):
    add_calls(complaint, incident_count, at(9))

    with django_assert_num_queries(2):
        breaches = breaches_for_complaint(complaint)

    assert len(breaches) == incident_count


@pytest.mark.django_db
def test_a_rule_an_admin_switches_off_is_not_checked(complaint, conduct_rules):
    [call] = add_calls(complaint, 1, at(23))
    ConductRule.objects.filter(code__in=["nifa-quiet-hours", "cba-quiet-hours"]).update(active=False)

    assert breaches_for_complaint(complaint)[call.pk] == []


def admin_post(client, rule: ConductRule, **changes):
    """Save the rule through the admin's change form, as an admin would."""
    data = {
        "name_zh": rule.name_zh,
        "name_en": rule.name_en,
        "description_zh": rule.description_zh,
        "description_en": rule.description_en,
        "check_kind": rule.check_kind,
        "channels": rule.channels,
        "incident_kinds": rule.incident_kinds,
        "max_per_day": rule.max_per_day if rule.max_per_day is not None else "",
        "quiet_from": f"{rule.quiet_from:%H:%M}" if rule.quiet_from else "",
        "quiet_until": f"{rule.quiet_until:%H:%M}" if rule.quiet_until else "",
        "possible_only": "on" if rule.possible_only else "",
        "source": rule.source,
        "source_reference": rule.source_reference,
        "confirmed": "on" if rule.confirmed else "",
        "active": "on" if rule.active else "",
        "order": rule.order,
        **changes,
    }
    data = {k: v for k, v in data.items() if v != ""}
    return client.post(reverse("admin:escalations_conductrule_change", args=[rule.pk]), data)


@pytest.mark.django_db
def test_a_daily_limit_an_admin_raises_changes_the_result(client, admin_user, complaint, conduct_rules):
    made = add_calls(complaint, 4, at(9))
    client.force_login(admin_user)

    response = admin_post(client, ConductRule.objects.get(code="nifa-connected-calls"), max_per_day=4)

    assert response.status_code == 302
    assert ConductRule.objects.get(code="nifa-connected-calls").max_per_day == 4
    assert breaches_for_complaint(complaint)[made[3].pk] == []


@pytest.mark.django_db
def test_quiet_hours_an_admin_moves_change_the_result(client, admin_user, complaint, conduct_rules):
    [call] = add_calls(complaint, 1, at(21, 30))
    assert breaches_for_complaint(complaint)[call.pk] == []
    client.force_login(admin_user)

    response = admin_post(client, ConductRule.objects.get(code="nifa-quiet-hours"), quiet_from="21:00")

    assert response.status_code == 302
    assert codes(breaches_for_complaint(complaint)[call.pk]) == ["nifa-quiet-hours"]


@pytest.mark.django_db
def test_the_admin_refuses_quiet_hours_without_an_end(client, admin_user, conduct_rules):
    rule_row = ConductRule.objects.get(code="nifa-quiet-hours")
    client.force_login(admin_user)

    response = admin_post(client, rule_row, quiet_until="")

    assert response.status_code == 200
    rule_row.refresh_from_db()
    assert rule_row.quiet_until == time(8, 0)


@pytest.mark.django_db
def test_the_admin_refuses_a_kind_check_without_kinds(client, admin_user, conduct_rules):
    rule_row = ConductRule.objects.get(code="cba-threats")
    client.force_login(admin_user)

    response = admin_post(client, rule_row, incident_kinds=[])

    assert response.status_code == 200
    rule_row.refresh_from_db()
    assert rule_row.incident_kinds == [HarassmentKind.THREATS]


@pytest.mark.django_db
def test_the_admin_lists_searches_and_filters_the_rules(client, admin_user, conduct_rules):
    client.force_login(admin_user)
    changelist = reverse("admin:escalations_conductrule_changelist")

    everything = client.get(changelist)
    searched = client.get(changelist, {"q": "恐吓"})
    filtered = client.get(changelist, {"check_kind__exact": "calls_per_day"})

    assert everything.status_code == 200
    assert len(everything.context["cl"].result_list) == len(CONDUCT_RULES)
    assert [r.code for r in searched.context["cl"].result_list] == ["cba-threats"]
    assert [r.code for r in filtered.context["cl"].result_list] == ["nifa-connected-calls"]


@pytest.mark.django_db
def test_the_admin_keeps_a_seeded_rules_code(client, admin_user, conduct_rules):
    rule_row = ConductRule.objects.get(code="cba-threats")
    client.force_login(admin_user)

    admin_post(client, rule_row, code="renamed", name_en="Threats (checked)")

    rule_row.refresh_from_db()
    assert (rule_row.code, rule_row.name_en) == ("cba-threats", "Threats (checked)")


# --- On the complaint page --------------------------------------------------------------


@pytest.mark.django_db
def test_the_complaint_page_shows_each_incidents_breaches_with_their_source(
    client, borrower, complaint, conduct_rules
):
    IncidentFactory(
        complaint=complaint,
        occurred_at=at(23, 40),
        channel=Channel.SMS,
        kind=HarassmentKind.THREATS,
    )
    IncidentFactory(complaint=complaint, occurred_at=at(12), channel=Channel.SMS, kind=HarassmentKind.OTHER)
    client.force_login(borrower)

    page = client.get(complaint.get_absolute_url()).content.decode()
    incidents = page[page.index('id="incidents"') : page.index('id="evidence"')]

    assert incidents.count("breach-badge") == 2
    assert "夜间催收（22:00至次日8:00）" in incidents and "恐吓、威胁" in incidents
    assert "<details" in incidents
    assert "中国互联网金融协会《互联网金融贷后催收业务指引》" in incidents
    assert "属22:00至08:00时段" not in incidents  # the letter's wording stays in the letter


@pytest.mark.django_db
def test_the_complaint_page_shows_rule_names_in_english(client, borrower, complaint, conduct_rules):
    IncidentFactory(complaint=complaint, occurred_at=at(12), kind=HarassmentKind.VISIT, channel=Channel.VISIT)
    client.force_login(borrower)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    page = client.get(complaint.get_absolute_url()).content.decode()

    assert "Visits need at least two collectors" in page
    assert "text-bg-warning" in page[page.index("breach-badge") - 60 : page.index("breach-badge") + 60]


@pytest.mark.django_db
def test_the_complaint_page_shows_no_badges_without_rules(client, borrower, complaint):
    IncidentFactory(complaint=complaint, occurred_at=at(23), kind=HarassmentKind.THREATS)
    client.force_login(borrower)

    page = client.get(complaint.get_absolute_url()).content.decode()

    assert "breach-badge" not in page
