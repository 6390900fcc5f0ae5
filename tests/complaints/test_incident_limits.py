"""Incidents per complaint and the length of each: bounded, refused with a message, nothing typed lost."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, Incident, Status
from complaints.services import ComplaintError
from tests.complaints.test_filing import filing, incident
from tests.factories import ComplaintFactory, IncidentFactory, LenderFactory

pytestmark = pytest.mark.django_db

LIMIT = 3


def add_incident_data(description: str = "说要上门找我") -> dict[str, str]:
    return {
        "incident-occurred_at": "2026-11-25T08:15",
        "incident-channel": "sms",
        "incident-kind": "threats",
        "incident-contacted": "self",
        "incident-description": description,
    }


@pytest.fixture
def full_case(borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    for _i in range(LIMIT):
        IncidentFactory(complaint=complaint)
    return complaint


@override_settings(COMPLAINT_MAX_INCIDENTS=LIMIT)
def test_it_refuses_one_incident_too_many_and_keeps_what_was_typed(client, borrower, full_case):
    client.force_login(borrower)

    response = client.post(
        reverse("complaints:add_incident", args=[full_case.reference]), add_incident_data("第四次威胁我")
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert f"一个投诉最多可以有 {LIMIT} 条骚扰记录" in page
    assert "第四次威胁我" in page
    assert full_case.incidents.count() == LIMIT


@override_settings(COMPLAINT_MAX_INCIDENTS=LIMIT)
def test_it_says_so_before_anything_is_typed(client, borrower, full_case):
    client.force_login(borrower)

    page = client.get(reverse("complaints:add_incident", args=[full_case.reference])).content.decode()

    assert f"这个投诉已有 {LIMIT} 条骚扰记录，已达上限" in page


@override_settings(COMPLAINT_MAX_INCIDENTS=LIMIT)
def test_the_last_place_is_still_taken(client, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    for _i in range(LIMIT - 1):
        IncidentFactory(complaint=complaint)
    client.force_login(borrower)

    response = client.post(
        reverse("complaints:add_incident", args=[complaint.reference]), add_incident_data()
    )

    assert response.status_code == 302
    assert complaint.incidents.count() == LIMIT


@override_settings(COMPLAINT_MAX_INCIDENTS=LIMIT)
def test_filing_too_many_incidents_is_refused_and_keeps_them(client, borrower):
    LenderFactory(name="小赢卡贷")
    client.force_login(borrower)
    blocks = [incident(i, description=f"第{i}次打给我妈妈") for i in range(LIMIT + 1)]

    response = client.post(reverse("complaints:create"), filing(*blocks))

    page = response.content.decode()
    assert response.status_code == 200
    assert f"一个投诉最多可以有 {LIMIT} 条骚扰记录" in page
    assert all(f"第{i}次打给我妈妈" in page for i in range(LIMIT + 1))
    assert not Complaint.objects.exists()


@override_settings(COMPLAINT_MAX_INCIDENTS=LIMIT)
def test_a_draft_counts_the_incidents_it_already_has(client, borrower):
    draft = ComplaintFactory(filer=borrower, status=Status.DRAFT)
    for _i in range(LIMIT - 1):
        IncidentFactory(complaint=draft)
    client.force_login(borrower)

    response = client.post(
        reverse("complaints:edit", args=[draft.reference]),
        filing(incident(0), incident(1, description="又一次"), action="save", lender_name=draft.lender.name),
    )

    assert response.status_code == 200
    assert "又一次" in response.content.decode()
    assert draft.incidents.count() == LIMIT - 1


def test_the_service_refuses_a_description_too_long(borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    limit = services.incident_description_limit()

    with pytest.raises(ComplaintError, match=f"最多 {limit} 个字|at most {limit} characters"):
        services.incident_add(
            complaint=complaint,
            actor=borrower,
            data={
                "occurred_at": complaint.created,
                "channel": "sms",
                "kind": "threats",
                "description": "长" * (limit + 1),
            },
        )

    assert not Incident.objects.exists()


def test_the_form_refuses_a_description_too_long_and_keeps_it(client, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    client.force_login(borrower)
    typed = "骂" * (services.incident_description_limit() + 1)

    response = client.post(
        reverse("complaints:add_incident", args=[complaint.reference]), add_incident_data(typed)
    )

    assert response.status_code == 200
    assert typed in response.content.decode()
    assert not complaint.incidents.exists()


@override_settings(COMPLAINT_MAX_INCIDENTS=LIMIT)
def test_the_service_refuses_a_new_draft_with_too_many_incidents(borrower):
    data = {"occurred_at": None, "channel": "call", "kind": "threats", "description": "x"}

    with pytest.raises(ComplaintError):
        services.complaint_save_draft(
            filer=borrower, lender_name="某贷", data={"summary": "s"}, incidents=[data] * (LIMIT + 1)
        )

    assert not Complaint.objects.exists()
