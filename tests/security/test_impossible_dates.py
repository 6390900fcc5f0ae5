"""Dates and times people type for things that already happened: from 2000 to now, in
order, refused with a message in the user's language and nothing typed lost."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, Status
from complaints.services import ComplaintError, incident_add
from escalations.models import Escalation
from escalations.services import escalation_acknowledge, escalation_record, escalation_record_answer
from tests.complaints.test_filing import filing, incident
from tests.factories import ComplaintFactory, LenderFactory

pytestmark = pytest.mark.django_db

IMPOSSIBLE = ["0001-01-01T00:00", "1999-12-31T23:59", "9999-12-31T23:59"]


@pytest.fixture
def logged_in(client, borrower):
    LenderFactory(name="小赢卡贷")
    client.force_login(borrower)
    return client


@pytest.mark.parametrize("moment", IMPOSSIBLE)
def test_filing_refuses_an_impossible_incident_time_and_keeps_the_rest(logged_in, moment):
    response = logged_in.post(
        reverse("complaints:create"),
        filing(incident(0, occurred_at=moment, description="半夜打给我女儿")),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "半夜打给我女儿" in page
    assert ("2000 年 1 月 1 日" in page) or ("不能晚于现在" in page)
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("moment", IMPOSSIBLE)
def test_adding_an_incident_refuses_an_impossible_time(logged_in, borrower, moment):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)

    response = logged_in.post(
        reverse("complaints:add_incident", args=[complaint.reference]),
        {
            "incident-occurred_at": moment,
            "incident-channel": "sms",
            "incident-kind": "threats",
            "incident-contacted": "self",
            "incident-description": "说要上门",
        },
    )

    assert response.status_code == 200
    assert "说要上门" in response.content.decode()
    assert not complaint.incidents.exists()


def test_a_loan_date_before_2000_is_refused(logged_in):
    response = logged_in.post(reverse("complaints:create"), filing(incident(0), loan_date="0001-01-01"))

    assert response.status_code == 200
    assert "2000 年 1 月 1 日" in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_service_refuses_year_one_from_any_path(borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    year_one = datetime(1, 1, 1, tzinfo=timezone.get_current_timezone())

    with pytest.raises(ComplaintError):
        incident_add(
            complaint=complaint,
            actor=borrower,
            data={"occurred_at": year_one, "channel": "sms", "kind": "threats", "contacted": "self"},
        )
    assert not complaint.incidents.exists()


def test_an_escalation_sent_in_year_one_is_refused(client, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    client.force_login(borrower)

    response = client.post(
        reverse("regulators:escalation_record", args=[complaint.reference]),
        {"target": f"lender-{complaint.lender_id}", "channel": "app", "sent_on": "0001-01-01"},
        follow=True,
    )

    assert response.status_code == 200
    assert "2000 年 1 月 1 日" in response.content.decode()
    assert not Escalation.objects.exists()
    with pytest.raises(ComplaintError):
        escalation_record(
            complaint=complaint,
            actor=borrower,
            lender=complaint.lender,
            channel="app",
            sent_at=datetime(1, 1, 1, 12, tzinfo=timezone.get_current_timezone()),
            now=timezone.now(),
        )


def test_an_answer_before_the_receipt_is_refused(borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    now = timezone.now()
    sent = escalation_record(
        complaint=complaint,
        actor=borrower,
        lender=complaint.lender,
        channel="post",
        sent_at=now - timedelta(days=10),
        now=now,
    )
    escalation_acknowledge(escalation=sent, actor=borrower, received_at=now - timedelta(days=5), now=now)

    with pytest.raises(ComplaintError):
        escalation_record_answer(
            escalation=sent, actor=borrower, answer="已处理", answered_at=now - timedelta(days=7), now=now
        )
    sent.refresh_from_db()
    assert sent.answered_at is None


def test_date_inputs_offer_the_range_to_the_browser(logged_in):
    page = logged_in.get(reverse("complaints:create")).content.decode()

    assert 'min="2000-01-01T00:00"' in page
    assert 'min="2000-01-01"' in page
