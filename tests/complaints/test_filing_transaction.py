"""Filing saves the draft and submits it in one transaction (issue 20): the same outcome
as the two steps it replaced, including when the submission is refused."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, Incident, Status, TimelineEvent
from tests.complaints.test_filing import filing, incident
from tests.factories import LenderFactory

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
