"""The advocates' queue: role-gated, filters that combine, fixed query count."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, HarassmentKind, Province, Status
from tests.factories import ComplaintFactory, IncidentFactory, LenderFactory

pytestmark = pytest.mark.django_db


def refs(response) -> set[str]:
    return {c.reference for c in response.context["page"].object_list}


def test_borrowers_and_strangers_get_404_or_login(client, borrower):
    assert client.get(reverse("cases:queue")).status_code == 302
    client.force_login(borrower)
    assert client.get(reverse("cases:queue")).status_code == 404


def test_advocates_land_on_the_queue_after_login(client, advocate):
    from tests.factories import PASSWORD

    response = client.post(
        reverse("login"), {"username": advocate.username, "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("cases:queue")


def test_it_lists_submitted_complaints_but_no_drafts(client, advocate, borrower):
    submitted = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    draft = ComplaintFactory(filer=borrower, status=Status.DRAFT)
    client.force_login(advocate)

    response = client.get(reverse("cases:queue"))

    assert submitted.reference in refs(response)
    assert draft.reference not in refs(response)
    assert response.context["counts"][Status.SUBMITTED] == 1


def test_filters_combine(client, advocate, borrower):
    now = timezone.now()
    lender_a, lender_b = LenderFactory(name="甲贷"), LenderFactory(name="乙贷")
    match = ComplaintFactory(
        filer=borrower,
        lender=lender_a,
        status=Status.WAITING_LENDER,
        province=Province.GUANGDONG,
        assignee=advocate,
        next_due_at=now - timedelta(days=1),
    )
    IncidentFactory(complaint=match, kind=HarassmentKind.THREATS)
    # Each of these differs from `match` in exactly one filtered respect.
    other_lender = ComplaintFactory(
        filer=borrower,
        lender=lender_b,
        status=Status.WAITING_LENDER,
        province=Province.GUANGDONG,
        assignee=advocate,
        next_due_at=now - timedelta(days=1),
    )
    IncidentFactory(complaint=other_lender, kind=HarassmentKind.THREATS)
    other_kind = ComplaintFactory(
        filer=borrower,
        lender=lender_a,
        status=Status.WAITING_LENDER,
        province=Province.GUANGDONG,
        assignee=advocate,
        next_due_at=now - timedelta(days=1),
    )
    IncidentFactory(complaint=other_kind, kind=HarassmentKind.INSULTS)
    not_overdue = ComplaintFactory(
        filer=borrower,
        lender=lender_a,
        status=Status.WAITING_LENDER,
        province=Province.GUANGDONG,
        assignee=advocate,
        next_due_at=now + timedelta(days=3),
    )
    IncidentFactory(complaint=not_overdue, kind=HarassmentKind.THREATS)
    unassigned = ComplaintFactory(
        filer=borrower,
        lender=lender_a,
        status=Status.WAITING_LENDER,
        province=Province.GUANGDONG,
        next_due_at=now - timedelta(days=1),
    )
    IncidentFactory(complaint=unassigned, kind=HarassmentKind.THREATS)
    client.force_login(advocate)

    response = client.get(
        reverse("cases:queue"),
        {
            "lender": lender_a.pk,
            "kind": "threats",
            "overdue": "on",
            "assigned": "me",
            "province": "440000",
            "status": ["waiting_lender", "submitted"],
        },
    )

    assert refs(response) == {match.reference}
    unassigned_view = client.get(reverse("cases:queue"), {"assigned": "none"})
    assert refs(unassigned_view) == {unassigned.reference}


@pytest.mark.parametrize("term", ["collector", "reference", "half", "undashed", "phone", "words"])
def test_search_finds_by_reference_number_collector_and_words(client, advocate, borrower, term):
    complaint = ComplaintFactory(
        filer=borrower, status=Status.SUBMITTED, summary="他们在公司群里发了我的照片"
    )
    IncidentFactory(complaint=complaint, collector_id="171 2345 6789", collector_id_normalized="17123456789")
    ComplaintFactory(status=Status.SUBMITTED, summary="别的事情")
    client.force_login(advocate)
    query = {
        "half": complaint.reference[:5],
        "collector": "+86 171-2345-6789",
        "reference": complaint.reference.lower(),
        "undashed": complaint.reference.replace("-", ""),
        "phone": borrower.phone,
        "words": "公司群",
    }[term]

    response = client.get(reverse("cases:queue"), {"q": query})

    assert refs(response) == {complaint.reference}


@pytest.mark.parametrize("listed", [100, 2], ids=["listed-ids", "semi-join"])
def test_a_number_named_in_many_complaints_finds_the_same_cases_either_way(
    client, advocate, monkeypatch, listed
):
    """Past a few hundred matches a number is matched by a semi-join rather than by a list
    of ids; both give the same page, count and order, and drafts stay out."""
    from cases import selectors

    monkeypatch.setattr(selectors, "_LISTED_MATCHES", listed)
    now = timezone.now()
    named = []
    for i in range(4):
        complaint = ComplaintFactory(status=Status.SUBMITTED, status_changed_at=now - timedelta(hours=i))
        IncidentFactory(complaint=complaint, collector_id_normalized="17123456789")
        IncidentFactory(complaint=complaint, collector_id_normalized="17123456789")  # twice in one case
        named.append(complaint.reference)
    draft = ComplaintFactory(status=Status.DRAFT)
    IncidentFactory(complaint=draft, collector_id_normalized="17123456789")
    IncidentFactory(
        complaint=ComplaintFactory(status=Status.SUBMITTED), collector_id_normalized="17100000000"
    )
    client.force_login(advocate)

    response = client.get(reverse("cases:queue"), {"q": "171 2345 6789", "per_page": 25})

    assert [c.reference for c in response.context["page"].object_list] == named
    assert response.context["page"].paginator.count == 4


def number_named_in(n: int) -> tuple[list[Complaint], Complaint]:
    """n submitted complaints the number 171 2345 6789 called in, newest first, and an
    older one naming it among a series' numbers."""
    from complaints.models import IncidentNumber

    now = timezone.now()
    called = []
    for i in range(n):
        complaint = ComplaintFactory(status=Status.SUBMITTED, status_changed_at=now - timedelta(hours=i))
        IncidentFactory(complaint=complaint, collector_id_normalized="17123456789")
        called.append(complaint)
    in_series = ComplaintFactory(status=Status.SUBMITTED, status_changed_at=now - timedelta(hours=n + 5))
    series = IncidentFactory(complaint=in_series, collector_id_normalized="17100000000")
    IncidentNumber.objects.create(incident=series, complaint=in_series, number="17123456789")
    return called, in_series


def test_past_the_listed_ids_a_number_among_a_series_is_still_found(client, advocate, monkeypatch):
    """The semi-join on the calling number alone is taken only when no complaint names the
    number among a series' numbers (nor by reference or phone): those would be cut off the
    ids that decide it."""
    from cases import selectors

    monkeypatch.setattr(selectors, "_LISTED_MATCHES", 2)
    called, in_series = number_named_in(4)
    client.force_login(advocate)

    response = client.get(reverse("cases:queue"), {"q": "171 2345 6789", "per_page": 25})

    assert [c.reference for c in response.context["page"].object_list] == [
        *(c.reference for c in called),
        in_series.reference,
    ]
    assert response.context["page"].paginator.count == 5


def test_a_number_is_matched_whole_not_inside_texts(client, advocate):
    """Numbers go through indexes: a number typed in a description is not searched for."""
    named = ComplaintFactory(status=Status.SUBMITTED)
    IncidentFactory(complaint=named, collector_id_normalized="17123456789")
    mentioned = ComplaintFactory(status=Status.SUBMITTED)
    IncidentFactory(complaint=mentioned, description="他们用 17123456789 打来电话")
    client.force_login(advocate)

    assert refs(client.get(reverse("cases:queue"), {"q": "171 2345 6789"})) == {named.reference}
    # A short fragment is not a number anyone is known by: it is looked for as words.
    assert refs(client.get(reverse("cases:queue"), {"q": "2345"})) == {mentioned.reference}


def test_the_total_and_pages_follow_the_status_filter(client, advocate):
    for _ in range(3):
        ComplaintFactory(status=Status.SUBMITTED)
    for _ in range(2):
        ComplaintFactory(status=Status.UNDER_REVIEW)
    ComplaintFactory(status=Status.DRAFT)
    client.force_login(advocate)

    everything = client.get(reverse("cases:queue"))
    reviewing = client.get(reverse("cases:queue"), {"status": "under_review", "per_page": 25})

    assert everything.context["page"].paginator.count == 5
    assert reviewing.context["page"].paginator.count == 2
    assert len(reviewing.context["page"].object_list) == 2


def test_waiting_for_the_borrower_filter(client, advocate, borrower):
    waiting = ComplaintFactory(
        filer=borrower, status=Status.UNDER_REVIEW, waiting_for_borrower_since=timezone.now()
    )
    ComplaintFactory(filer=borrower, status=Status.UNDER_REVIEW)
    client.force_login(advocate)

    assert refs(client.get(reverse("cases:queue"), {"waiting": "on"})) == {waiting.reference}


def test_sorting_by_next_deadline(client, advocate):
    now = timezone.now()
    undated = ComplaintFactory(status=Status.SUBMITTED)
    later = ComplaintFactory(status=Status.WAITING_LENDER, next_due_at=now + timedelta(days=9))
    sooner = ComplaintFactory(status=Status.WAITING_LENDER, next_due_at=now + timedelta(days=1))
    client.force_login(advocate)

    rows = client.get(reverse("cases:queue"), {"sort": "due"}).context["page"].object_list

    assert [c.reference for c in rows] == [sooner.reference, later.reference, undated.reference]


def _queries_for_page(client, per_page: int) -> int:
    client.get(reverse("cases:queue"), {"per_page": per_page})  # as on a server: counts cached
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("cases:queue"), {"per_page": per_page})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(per_page, 100)
    return len(ctx.captured_queries)


def test_the_query_count_does_not_grow_with_the_page_size(client, advocate):
    lenders = [LenderFactory() for _ in range(5)]
    for i in range(100):
        complaint = ComplaintFactory(
            status=Status.SUBMITTED, lender=lenders[i % 5], assignee=advocate if i % 2 else None
        )
        IncidentFactory(complaint=complaint)
        IncidentFactory(complaint=complaint, kind=HarassmentKind.THREATS)
    client.force_login(advocate)
    client.get(reverse("cases:queue"))  # the first request of a session writes the session

    small = _queries_for_page(client, 25)
    large = _queries_for_page(client, 100)

    assert small == large
    assert large <= 10


@pytest.mark.parametrize(
    ("due", "english", "chinese"),
    [
        # 10:00 in Beijing on 28 November; deadlines end at midnight Beijing time.
        ("2026-11-25T15:59:59+00:00", "overdue by 3 days", "已超期 3 天"),
        ("2026-11-28T15:59:59+00:00", "due today", "今天到期"),
        ("2026-11-29T15:59:59+00:00", "in 1 day", "还有 1 天"),
    ],
)
def test_each_row_says_how_far_its_deadline_is_in_days(client, advocate, due, english, chinese):
    ComplaintFactory(status=Status.WAITING_LENDER, next_due_at=datetime.fromisoformat(due))
    client.force_login(advocate)

    with time_machine.travel(datetime.fromisoformat("2026-11-28T02:00:00+00:00"), tick=False):
        in_english = client.get(reverse("cases:queue"), headers={"Accept-Language": "en"}).content.decode()
        in_chinese = client.get(reverse("cases:queue"), headers={"Accept-Language": "zh-CN"}).content.decode()

    assert english in in_english
    assert chinese in in_chinese


def test_the_tab_counts_follow_a_status_change_at_once(client, advocate):
    """The counts are cached; a change to a complaint must not wait for them to expire."""
    from complaints.services import complaint_transition

    complaint = ComplaintFactory(status=Status.SUBMITTED)
    client.force_login(advocate)
    assert client.get(reverse("cases:queue")).context["counts"]["submitted"] == 1

    complaint_transition(complaint=complaint, actor=advocate, to_status=Status.UNDER_REVIEW)

    counts = client.get(reverse("cases:queue")).context["counts"]
    assert (counts["submitted"], counts["under_review"]) == (0, 1)


def _row_html(html: str, reference: str) -> str:
    start = html.index(f'<span class="reference">{reference}</span>')
    return html[start : html.index("</a>", start)]


def test_a_row_lists_each_kind_once_in_the_order_they_first_happened(client, advocate):
    complaint = ComplaintFactory(status=Status.SUBMITTED)
    now = timezone.now()
    IncidentFactory(complaint=complaint, kind=HarassmentKind.INSULTS, occurred_at=now - timedelta(days=2))
    IncidentFactory(complaint=complaint, kind=HarassmentKind.THREATS, occurred_at=now - timedelta(days=3))
    IncidentFactory(complaint=complaint, kind=HarassmentKind.INSULTS, occurred_at=now - timedelta(days=1))
    # The same moment: by kind, as the database sorts the codes.
    IncidentFactory(complaint=complaint, kind=HarassmentKind.VISIT, occurred_at=now - timedelta(days=3))
    ComplaintFactory(status=Status.SUBMITTED)  # no incidents: no kinds, a count of 0
    client.force_login(advocate)

    rows = client.get(reverse("cases:queue"), headers={"Accept-Language": "en"}).context["page"].object_list

    by_reference = {row.reference: row for row in rows}
    assert by_reference[complaint.reference].kind_labels == (
        str(HarassmentKind.THREATS.label),
        str(HarassmentKind.VISIT.label),
        str(HarassmentKind.INSULTS.label),
    )
    assert by_reference[complaint.reference].incident_count == 4
    assert [
        (row.kind_labels, row.incident_count) for row in rows if row.reference != complaint.reference
    ] == [((), 0)]


@pytest.mark.parametrize(
    "change", ["incident", "evidence", "status", "assignee", "assignee_name", "deadline"]
)
def test_a_changed_complaint_shows_in_its_row_at_once(client, advocate, change):
    """The rows are cached as HTML under the values they show: any change to one of them
    must be a new entry, whatever code made the change."""
    from evidence.models import Evidence

    complaint = ComplaintFactory(status=Status.SUBMITTED)
    IncidentFactory(complaint=complaint, kind=HarassmentKind.THREATS)
    client.force_login(advocate)
    url = reverse("cases:queue")
    client.get(url, headers={"Accept-Language": "en"})  # fills the cache
    before = _row_html(
        client.get(url, headers={"Accept-Language": "en"}).content.decode(), complaint.reference
    )

    if change == "incident":
        IncidentFactory(complaint=complaint, kind=HarassmentKind.NIGHT_CALLS)
    elif change == "evidence":
        Evidence.objects.create(
            complaint=complaint,
            kind=Evidence.Kind.IMAGE,
            original_name="a.png",
            extension=".png",
            content_type="image/png",
            size=100,
            sha256="a1" * 32,
            file="evidence/test/original.png",
        )
    elif change == "status":
        Complaint.objects.filter(pk=complaint.pk).update(status=Status.WAITING_LENDER)
    elif change == "assignee":
        Complaint.objects.filter(pk=complaint.pk).update(assignee=advocate)
    elif change == "assignee_name":
        Complaint.objects.filter(pk=complaint.pk).update(assignee=advocate)
        client.get(url, headers={"Accept-Language": "en"})  # cached with the old name
        type(advocate).objects.filter(pk=advocate.pk).update(display_name="Roberta")
    elif change == "deadline":
        Complaint.objects.filter(pk=complaint.pk).update(next_due_at=timezone.now() + timedelta(days=5))
    after = _row_html(
        client.get(url, headers={"Accept-Language": "en"}).content.decode(), complaint.reference
    )

    expected = {
        "incident": "Incidents 2",
        "evidence": "Files 1",
        "status": str(Status.WAITING_LENDER.label),
        "assignee": "Assigned to Bob",
        "assignee_name": "Assigned to Roberta",
        "deadline": "in 5 days",
    }[change]
    assert expected not in before
    assert expected in after


def test_a_page_of_rows_is_one_query(client, advocate):
    """The page's ids, its rows, their counts and their kinds come in one query; the two
    dropdowns of lenders and funders in another."""
    for _ in range(30):
        IncidentFactory(complaint=ComplaintFactory(status=Status.SUBMITTED))
    client.force_login(advocate)
    client.get(reverse("cases:queue"))  # the session, and the counts cached

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("cases:queue"), {"page": 2})

    assert len(response.context["page"].object_list) == 5
    complaints = [q["sql"] for q in ctx.captured_queries if "complaints_complaint" in q["sql"]]
    incidents = [q["sql"] for q in ctx.captured_queries if "complaints_incident" in q["sql"]]
    assert len(complaints) == 1
    assert incidents == complaints
    named = [q["sql"] for q in ctx.captured_queries if "complaints_institution" in q["sql"]]
    assert len(named) == 1 and "complaints_lender" in named[0]


@pytest.mark.parametrize(
    "query",
    [
        {"status": "waiting_lender", "sort": "due", "per_page": 50},
        {},
        {"q": "171 0000 0001"},
    ],
    ids=["filtered", "as-it-opens", "collector-number"],
)
def test_the_bench_pages_cost_the_same_few_queries_as_data_grows(client, advocate, query):
    """Issue 20: the queue's two shapes and a search by a collector's number, as
    `make bench` loads them (7, 7 and 9 queries before; PostgreSQL adds none)."""

    def grow(n: int) -> None:
        for i in range(n):
            complaint = ComplaintFactory(
                status=Status.WAITING_LENDER if i % 2 else Status.SUBMITTED,
                assignee=advocate if i % 3 else None,
                next_due_at=timezone.now() + timedelta(days=i % 9) if i % 4 else None,
            )
            IncidentFactory(complaint=complaint, collector_id_normalized="17100000001")
            IncidentFactory(complaint=complaint, kind=HarassmentKind.THREATS)

    client.force_login(advocate)
    url = reverse("cases:queue")

    def measure() -> int:
        client.get(url, query)  # as on a server: the tab counts cached
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, query)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    grow(3)
    small = measure()
    grow(60)
    large = measure()

    # The session (a database row without Redis; read from the cache with it, as on a
    # server) and its user, the dropdowns' names, the page of rows; a search adds one
    # lookup of what it names (references, phones, numbers and the screenshots that show it).
    session = 0 if settings.SESSION_ENGINE == "lib.sessions" else 1
    assert small == large == session + (4 if query.get("q") else 3)


def test_the_collector_page_lists_a_number_named_in_a_few_or_many_complaints_alike(monkeypatch):
    """The collector page matches a number as the search does: by a list of ids while the
    number is named in few complaints, by a semi-join past them; the same complaints and
    order either way, a series' among them, drafts left out."""
    from cases import selectors

    called, in_series = number_named_in(3)
    named = [c.pk for c in called]
    IncidentFactory(complaint=ComplaintFactory(status=Status.DRAFT), collector_id_normalized="17123456789")

    listed = [c.pk for c in selectors.collector_complaints("17123456789")]
    monkeypatch.setattr(selectors, "_LISTED_MATCHES", 1)
    joined = [c.pk for c in selectors.collector_complaints("17123456789")]

    assert listed == joined == [*named, in_series.pk]
