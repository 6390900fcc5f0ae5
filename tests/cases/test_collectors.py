"""Collector profiles: counted ahead, refreshed after each change, read in one query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import collectors, selectors
from cases.models import CollectorProfile
from complaints import services
from complaints.models import Status
from tests.factories import ComplaintFactory, IncidentFactory, LenderFactory, consented

pytestmark = pytest.mark.django_db

KEY = "17100009999"


@pytest.fixture
def tasks_run_here():
    """Run Celery tasks in this process, also in the run against Redis (where they would
    otherwise wait in the broker for a worker this test does not start)."""
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def named(status=Status.SUBMITTED, lender=None, **kwargs):
    complaint = ComplaintFactory(status=status, **({"lender": lender} if lender else {}), **kwargs)
    IncidentFactory(complaint=complaint, collector_id_normalized=KEY)
    return complaint


def test_a_profile_counts_submitted_complaints_their_lenders_and_kinds():
    bank, app = LenderFactory(name="甲贷"), LenderFactory(name="乙贷")
    named(lender=bank)
    named(lender=bank)
    named(lender=app)
    named(status=Status.DRAFT, lender=app)  # a draft is the borrower's notebook, not news

    collectors.refresh([KEY])

    profile = CollectorProfile.objects.get(key=KEY)
    assert profile.complaint_count == 3
    assert profile.lenders == [["甲贷", 2], ["乙贷", 1]]
    assert profile.kinds


def test_the_case_page_shows_the_other_complaints_only(client, advocate):
    bank, app = LenderFactory(name="甲贷"), LenderFactory(name="乙贷")
    this = named(lender=bank)
    named(lender=app)
    client.force_login(advocate)

    links = client.get(this.get_absolute_url()).context["linked_collectors"]

    assert links == [{"key": KEY, "count": 1, "lenders": ["乙贷"]}]


def test_submitting_a_complaint_recounts_its_numbers(
    borrower, other_borrower, django_capture_on_commit_callbacks, tasks_run_here
):
    named(filer=borrower)
    collectors.refresh([KEY])
    draft = ComplaintFactory(filer=consented(other_borrower), status=Status.DRAFT)
    IncidentFactory(complaint=draft, collector_id_normalized=KEY)

    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_submit(complaint=draft, actor=other_borrower)

    assert CollectorProfile.objects.get(key=KEY).complaint_count == 2


def test_an_incident_added_after_filing_recounts_its_number(
    borrower, django_capture_on_commit_callbacks, tasks_run_here
):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    collectors.refresh_all()
    assert not CollectorProfile.objects.filter(key=KEY).exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.incident_add(
            complaint=complaint,
            actor=borrower,
            data={
                "occurred_at": timezone.now(),
                "channel": "call",
                "kind": "threats",
                "collector_id": "171 0000 9999",
                "contacted": "self",
                "contacted_count": 1,
                "description": "",
                "third_party_number": "",
            },
        )

    assert CollectorProfile.objects.get(key=KEY).complaint_count == 1


def test_a_recount_asked_before_the_last_one_started_is_skipped():
    named()
    changed_at = timezone.now()
    assert collectors.refresh([KEY], changed_at=changed_at) == 1
    # Asked again for the same change (the queue delivered it twice, or many changes came together).
    assert collectors.refresh([KEY], changed_at=changed_at) == 0
    assert collectors.refresh([KEY], changed_at=timezone.now() + timedelta(seconds=1)) == 1


def test_the_nightly_recount_fixes_what_slipped_past():
    complaint = named()
    collectors.refresh([KEY])
    CollectorProfile.objects.create(key="gone", complaint_count=5, refreshed_at=timezone.now())
    complaint.incidents.update(collector_id_normalized="")  # a bulk edit in a shell: no recount

    collectors.refresh_all()

    assert not CollectorProfile.objects.exists()


def test_a_case_page_reads_profiles_in_constant_queries(client, advocate):
    this = named()
    for i in range(5):
        IncidentFactory(complaint=this, collector_id_normalized=f"1710000{i:04d}")
        for _ in range(3):
            other = ComplaintFactory(status=Status.SUBMITTED)
            IncidentFactory(complaint=other, collector_id_normalized=f"1710000{i:04d}")
    client.force_login(advocate)
    client.get(this.get_absolute_url())  # counts the profiles never counted yet

    with CaptureQueriesContext(connection) as ctx:
        links = selectors.linked_collectors(this)

    assert [link["count"] for link in links] == [3, 3, 3, 3, 3, 0]
    assert len(ctx.captured_queries) == 2  # this complaint's numbers, then their profiles


def test_the_collector_page_reads_the_profile(client, advocate):
    named()
    named()
    client.force_login(advocate)

    page = client.get(reverse("cases:collector", args=[KEY]))

    assert page.context["summary"].complaint_count == 2
    assert CollectorProfile.objects.get(key=KEY).complaint_count == 2
