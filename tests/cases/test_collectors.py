"""Collector profiles: counted ahead, refreshed after each change, read in one query."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import collectors, selectors
from cases import tasks as case_tasks
from cases.models import CollectorProfile, CollectorRecount
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


def _incident(number: str) -> dict:
    return {
        "occurred_at": timezone.now(),
        "channel": "call",
        "kind": "threats",
        "collector_id": number,
        "contacted": "self",
        "contacted_count": 1,
        "description": "",
        "third_party_number": "",
    }


def test_changes_in_a_burst_share_one_recount():
    # The timing of a burst is lib.tasks.Nudge's, tested with the sweep's nudge.
    with mock.patch("cases.tasks.refresh_waiting_collectors.apply_async") as queue:
        for _ in range(3):
            collectors.nudge_recount()
    assert queue.call_count == 1
    assert queue.call_args.kwargs == {"countdown": collectors.RECOUNT_DELAY_SECONDS}


def test_a_recount_asked_while_the_broker_is_down_waits_and_is_done_by_the_next(
    borrower, django_capture_on_commit_callbacks
):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    with (
        mock.patch("cases.tasks.refresh_waiting_collectors.apply_async", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.incident_add(complaint=complaint, actor=borrower, data=_incident("171 0000 9999"))

    # The incident is kept, and so is the number's turn to be recounted.
    assert complaint.incidents.count() == 1
    assert list(CollectorRecount.objects.values_list("key", flat=True)) == [KEY]
    assert not CollectorProfile.objects.filter(key=KEY).exists()

    assert case_tasks.refresh_waiting_collectors() == 1
    assert CollectorProfile.objects.get(key=KEY).complaint_count == 1
    assert not CollectorRecount.objects.exists()


def test_a_change_rolled_back_leaves_no_recount_waiting(borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.incident_add(complaint=complaint, actor=borrower, data=_incident("171 0000 9999"))
        raise RuntimeError("the request failed after the incident")
    assert not CollectorRecount.objects.exists()


def test_numbers_waiting_are_recounted_in_batches():
    named()
    IncidentFactory(complaint=named(), collector_id_normalized="13800000001")
    CollectorRecount.objects.bulk_create([CollectorRecount(key=KEY), CollectorRecount(key="13800000001")])

    assert collectors.refresh_waiting(limit=1) == (1, True)
    assert collectors.refresh_waiting(limit=1) == (1, False)
    assert collectors.refresh_waiting(limit=1) == (0, False)
    assert dict(CollectorProfile.objects.values_list("key", "complaint_count")) == {KEY: 2, "13800000001": 1}


def test_a_recount_that_fails_leaves_its_numbers_waiting(monkeypatch):
    named()
    CollectorRecount.objects.create(key=KEY)
    monkeypatch.setattr(collectors, "_store", mock.Mock(side_effect=RuntimeError("database went away")))

    with pytest.raises(RuntimeError):
        collectors.refresh_waiting()

    assert list(CollectorRecount.objects.values_list("key", flat=True)) == [KEY]


def test_filings_ask_for_their_numbers_recount_in_their_own_transaction(borrower):
    draft = ComplaintFactory(filer=consented(borrower), status=Status.DRAFT)
    IncidentFactory(complaint=draft, collector_id_normalized=KEY)
    with mock.patch("cases.tasks.refresh_waiting_collectors.apply_async") as queue:
        services.complaint_submit(complaint=draft, actor=borrower)
    # Not yet committed (the test's transaction): the row is there, no message was sent.
    assert list(CollectorRecount.objects.values_list("key", flat=True)) == [KEY]
    assert queue.call_count == 0


def test_waiting_recounts_are_on_the_beat_schedule(settings):
    # A recount asked for while the broker was down is done within minutes even if no
    # other change comes to queue one.
    assert any(
        entry["task"] == case_tasks.refresh_waiting_collectors.name and entry["schedule"] <= 15 * 60
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )
