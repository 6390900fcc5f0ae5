"""Many calls in one entry: a series incident from the filing form and the incident form,
its numbers normalised and linked to collectors, shown on the page and in letters."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.urls import reverse

from cases import collectors, selectors
from complaints import services
from complaints.models import SERIES_NUMBERS_LIMIT, Incident, IncidentNumber, Status
from escalations import letters
from lib.china import CHINA_TZ
from lib.phones import parse_number_list
from tests.factories import ComplaintFactory, IncidentFactory, LenderFactory, consented

pytestmark = pytest.mark.django_db

PASTED = "138 0000 1111\n+86 139-0000-2222, 13900002222；0086 137 0000 3333  13600004444"


def series_post(**overrides: str) -> dict[str, str]:
    data = {
        "incident-occurred_at": "2026-11-20T22:05",
        "incident-ended_at": "2026-11-20T23:40",
        "incident-series_count": "40",
        "incident-channel": "call",
        "incident-kind": "third_parties",
        "incident-contacted": "contact_list",
        "incident-contacted_count": "25",
        "incident-series_numbers": PASTED,
        "incident-description": "通讯录里的人都接到了电话",
    }
    data.update(overrides)
    return data


@pytest.fixture
def complaint(borrower):
    return ComplaintFactory(filer=borrower, status=Status.SUBMITTED)


@pytest.fixture
def logged_in(client, borrower):
    client.force_login(borrower)
    return client


def test_a_pasted_list_is_split_normalised_and_each_number_kept_once():
    numbers, bad = parse_number_list(PASTED)

    assert numbers == ["13800001111", "13900002222", "13700003333", "13600004444"]
    assert bad == []


def test_a_pasted_list_names_what_is_not_a_number():
    numbers, bad = parse_number_list("13800001111 张三\n12")

    assert numbers == ["13800001111"]
    assert bad == ["张三", "12"]


def test_it_records_a_series_with_its_numbers(logged_in, complaint):
    response = logged_in.post(reverse("complaints:add_incident", args=[complaint.reference]), series_post())

    assert response.status_code == 302
    incident = complaint.incidents.get()
    assert incident.series_count == 40
    assert incident.contacted_count == 25
    assert incident.ended_at == datetime(2026, 11, 20, 23, 40, tzinfo=CHINA_TZ)
    assert [n.number for n in incident.numbers.all()] == [
        "13800001111",
        "13900002222",
        "13700003333",
        "13600004444",
    ]


def test_the_series_numbers_link_to_collectors_across_complaints(
    logged_in, complaint, django_capture_on_commit_callbacks
):
    other = ComplaintFactory(status=Status.SUBMITTED)
    IncidentFactory(complaint=other, collector_id="13900002222", collector_id_normalized="13900002222")

    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(reverse("complaints:add_incident", args=[complaint.reference]), series_post())

    assert collectors.profiles(["13900002222"])["13900002222"].complaint_count == 2
    assert set(selectors.collector_complaints("13700003333")) == {complaint}
    assert set(selectors.collector_complaints("13900002222")) == {complaint, other}
    linked = {row["key"]: row["count"] for row in selectors.linked_collectors(complaint)}
    assert linked["13900002222"] == 1  # one other complaint names it
    collectors.refresh_all()
    assert collectors.profiles(["13600004444"])["13600004444"].complaint_count == 1


def test_a_number_of_the_series_finds_the_complaint_in_the_queue_search(complaint):
    services.incident_add(
        complaint=complaint,
        actor=complaint.filer,
        data={
            "occurred_at": datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ),
            "channel": "call",
            "kind": "other",
            "contacted": "self",
            "series_count": 5,
            "series_numbers": ["13500005555"],
        },
    )
    ComplaintFactory(status=Status.SUBMITTED)

    from complaints.models import Complaint

    found = Complaint.objects.filter(selectors.search_match("135 0000 5555"))

    assert list(found) == [complaint]


def test_a_series_over_midnight_is_refused_beside_its_field(logged_in, complaint):
    response = logged_in.post(
        reverse("complaints:add_incident", args=[complaint.reference]),
        series_post(**{"incident-ended_at": "2026-11-21T00:30"}),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "记为另一条" in page or "another" in page
    assert PASTED.split("\n")[0] in page  # what was typed is kept
    assert not complaint.incidents.exists()


def test_a_series_that_ends_before_it_starts_is_refused(logged_in, complaint):
    response = logged_in.post(
        reverse("complaints:add_incident", args=[complaint.reference]),
        series_post(**{"incident-ended_at": "2026-11-20T21:00"}),
    )

    assert response.status_code == 200
    assert not complaint.incidents.exists()


def test_the_service_refuses_a_series_over_midnight_whoever_calls_it(complaint):
    with pytest.raises(services.ComplaintError):
        services.incident_add(
            complaint=complaint,
            actor=complaint.filer,
            data={
                "occurred_at": datetime(2026, 11, 20, 23, 0, tzinfo=CHINA_TZ),
                "ended_at": datetime(2026, 11, 21, 1, 0, tzinfo=CHINA_TZ),
                "series_count": 9,
                "channel": "call",
                "kind": "other",
                "contacted": "self",
            },
        )

    assert not complaint.incidents.exists()


def test_too_many_numbers_are_refused_by_the_form_and_the_service(logged_in, complaint):
    many = "\n".join(f"1380000{i:04d}" for i in range(SERIES_NUMBERS_LIMIT + 1))

    response = logged_in.post(
        reverse("complaints:add_incident", args=[complaint.reference]),
        series_post(**{"incident-series_numbers": many}),
    )
    assert response.status_code == 200
    with pytest.raises(services.ComplaintError):
        services.incident_add(
            complaint=complaint,
            actor=complaint.filer,
            data={
                "occurred_at": datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ),
                "channel": "call",
                "kind": "other",
                "contacted": "self",
                "series_count": 300,
                "series_numbers": many,
            },
        )

    assert not Incident.objects.filter(complaint=complaint).exists()


def test_numbers_without_a_count_ask_how_many(logged_in, complaint):
    response = logged_in.post(
        reverse("complaints:add_incident", args=[complaint.reference]),
        series_post(**{"incident-series_count": "", "incident-ended_at": ""}),
    )

    assert response.status_code == 200
    assert not complaint.incidents.exists()


def test_a_stranger_cannot_add_a_series_to_someone_elses_complaint(client, other_borrower, complaint):
    client.force_login(other_borrower)

    response = client.post(reverse("complaints:add_incident", args=[complaint.reference]), series_post())

    assert response.status_code == 404
    assert not IncidentNumber.objects.exists()


def test_the_filing_form_takes_a_series_in_one_entry(logged_in, borrower):
    LenderFactory(name="小赢卡贷")
    consented(borrower)
    data = {
        "lender_name": "小赢卡贷",
        "funding_name": "",
        "filer_relation": "self",
        "summary": "通讯录被轰炸。",
        "province": "440000",
        "is_overdue": "unknown",
        "incidents-TOTAL_FORMS": "1",
        "incidents-INITIAL_FORMS": "0",
        "incidents-MIN_NUM_FORMS": "0",
        "incidents-MAX_NUM_FORMS": "30",
        "action": "save",
    }
    data.update({k.replace("incident-", "incidents-0-"): v for k, v in series_post().items()})

    response = logged_in.post(reverse("complaints:create"), data)

    assert response.status_code == 302
    incident = Incident.objects.get(complaint__filer=borrower)
    assert incident.series_count == 40
    assert incident.numbers.count() == 4


def test_the_page_and_the_letter_show_the_series(logged_in, complaint):
    logged_in.post(reverse("complaints:add_incident", args=[complaint.reference]), series_post())

    page = logged_in.get(complaint.get_absolute_url()).content.decode()
    text = letters.letter_generate(
        complaint=complaint,
        target=letters.LetterTarget(lender=complaint.lender),
        viewer=complaint.filer,
        now=datetime(2026, 11, 28, 10, 0, tzinfo=CHINA_TZ),
    )

    assert "40" in page and "13700003333" in page
    assert "持续至23:40" in text and "共40次" in text and "13700003333" in text


def test_the_export_holds_the_series(logged_in, complaint):
    logged_in.post(reverse("complaints:add_incident", args=[complaint.reference]), series_post())
    from complaints.personal_data import export

    incident = export(complaint.filer)["complaints"][0]["incidents"][0]

    assert incident["series_count"] == 40
    assert "13600004444" in incident["series_numbers"]


def test_the_letter_cites_the_series_calls_at_night_and_over_the_daily_limit(
    logged_in, complaint, conduct_rules
):
    logged_in.post(reverse("complaints:add_incident", args=[complaint.reference]), series_post())

    text = letters.letter_generate(
        complaint=complaint,
        target=letters.LetterTarget(lender=complaint.lender),
        viewer=complaint.filer,
        now=datetime(2026, 11, 28, 10, 0, tzinfo=CHINA_TZ),
    )

    assert "北京时间22:05至23:40，其中至少40次属22:00至08:00时段" in text
    assert "当日第40次，上限3次" in text
