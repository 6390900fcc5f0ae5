"""Filing saves the draft and submits it in one transaction (issue 20): the same outcome
as the two steps it replaced, including when the submission is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEvent
from complaints import services
from complaints.models import Channel, Complaint, HarassmentKind, Incident, Status, TimelineEvent
from tests.complaints.test_filing import filing, incident
from tests.factories import LenderFactory, consented

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, borrower):
    LenderFactory(name="小赢卡贷")
    client.force_login(borrower)
    return client


def test_a_filing_is_created_then_submitted_on_its_timeline(logged_in):
    response = logged_in.post(reverse("complaints:create"), filing(incident(0), incident(1)))

    complaint = Complaint.objects.get()
    assert response["Location"] == complaint.get_absolute_url()
    assert complaint.status == Status.SUBMITTED and complaint.submitted_at is not None
    assert complaint.incidents.count() == 2
    kinds = list(complaint.events.order_by("created", "pk").values_list("kind", "to_status"))
    assert kinds == [(TimelineEvent.Kind.CREATED, ""), (TimelineEvent.Kind.STATUS, Status.SUBMITTED)]
    # Written in one INSERT, but the same rows as one by one: the filer's, at one time.
    created, submitted = complaint.events.order_by("pk")
    assert created.actor_id == submitted.actor_id == complaint.filer_id
    assert created.created == submitted.created == complaint.submitted_at
    assert (created.note, created.code, created.params, created.from_status) == ("", "", {}, "")
    assert submitted.from_status == Status.DRAFT and not created.internal and not submitted.internal


def test_a_refused_submission_keeps_the_draft_once_with_the_reason(logged_in, monkeypatch):
    def refuse(**kwargs):
        raise services.ComplaintError("这次不能提交。")

    monkeypatch.setattr(services, "_transition", refuse)

    response = logged_in.post(reverse("complaints:create"), filing(incident(0), incident(1)))

    complaint = Complaint.objects.get()  # one draft, not a draft and a rolled-back twin
    assert complaint.status == Status.DRAFT and complaint.submitted_at is None
    assert Incident.objects.count() == 2
    assert response["Location"] == reverse("complaints:edit", args=[complaint.reference])
    assert "这次不能提交。" in [str(m) for m in get_messages(response.wsgi_request)]


def test_a_draft_refused_by_its_own_rules_comes_back_with_the_form(logged_in):
    response = logged_in.post(
        reverse("complaints:create"), filing(incident(0), loan_date="2999-01-01", is_overdue="true")
    )

    assert response.status_code == 200
    assert not Complaint.objects.exists()


def test_a_filing_tells_the_collector_counts_every_number_it_names(logged_in, monkeypatch):
    """A new complaint's incidents are taken from the filing itself, not read back: the
    numbers passed on must be the same as the ones read from the database."""
    told: list[list[str]] = []
    monkeypatch.setattr(services.hooks, "collectors_changed", lambda keys: told.append(sorted(set(keys))))
    series = incident(
        1, collector_id="17100002222", series_count="4", series_numbers="17100003333\n17100004444"
    )

    logged_in.post(reverse("complaints:create"), filing(incident(0), series))

    complaint = Complaint.objects.get()
    assert complaint.status == Status.SUBMITTED
    stored = services.incident_collector_keys(complaint, complaint.incidents.all())
    assert told == [stored]
    assert {"17100001111", "17100002222", "17100003333", "17100004444"} <= set(stored)


def test_filing_again_into_an_edited_draft_still_counts_its_older_incidents(logged_in, monkeypatch):
    logged_in.post(reverse("complaints:create"), filing(incident(0), action="draft"))
    draft = Complaint.objects.get()
    told: list[list[str]] = []
    monkeypatch.setattr(services.hooks, "collectors_changed", lambda keys: told.append(sorted(set(keys))))

    logged_in.post(
        reverse("complaints:edit", args=[draft.reference]),
        filing(incident(0, collector_id="17100005555")),
    )

    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert told == [["17100001111", "17100005555"]]


def _service_filing(borrower, **overrides):
    data = {"summary": "催收员打电话给我的同事。", **overrides}
    return services.complaint_file(
        filer=borrower,
        lender_name="小赢卡贷",
        data=data,
        incidents=[
            {
                "occurred_at": timezone.now() - timedelta(days=1),
                "channel": Channel.CALL,
                "kind": HarassmentKind.THIRD_PARTIES,
                "collector_id": "17100001111",
                "description": "打给我的同事。",
            }
        ],
    )


def test_a_new_filing_is_written_submitted_in_its_one_insert(logged_in, borrower):
    consented(borrower)

    with CaptureQueriesContext(connection) as ctx:
        complaint = _service_filing(borrower)

    writes = [q["sql"] for q in ctx.captured_queries if '"complaints_complaint"' in q["sql"]]
    assert len(writes) == 1 and writes[0].startswith('INSERT INTO "complaints_complaint"')
    stored = Complaint.objects.get(pk=complaint.pk)
    assert stored.status == Status.SUBMITTED
    assert stored.submitted_at == stored.status_changed_at == stored.created
    assert AuditEvent.objects.filter(
        complaint=stored, action=Action.STATUS_CHANGE, detail="submitted"
    ).exists()
    assert list(stored.events.order_by("pk").values_list("kind", "from_status", "to_status")) == [
        (TimelineEvent.Kind.CREATED, "", ""),
        (TimelineEvent.Kind.STATUS, Status.DRAFT, Status.SUBMITTED),
    ]


def test_a_new_filing_the_submission_rules_refuse_writes_nothing(logged_in, borrower):
    # No consent given: checked before the row is written, so there is nothing to undo.
    with pytest.raises(services.ComplaintError, match="请同意"):
        _service_filing(borrower)

    assert not Complaint.objects.exists()
    assert not Incident.objects.exists()
    assert not TimelineEvent.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_new_filing_without_a_summary_is_refused_before_it_is_written(logged_in, borrower):
    consented(borrower)

    with pytest.raises(services.ComplaintError):
        _service_filing(borrower, summary="  ")

    assert not Complaint.objects.exists()
