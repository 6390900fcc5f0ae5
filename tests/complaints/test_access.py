"""Who may open what: a complaint exists only for its filer and for caseworkers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.models import Status
from tests.factories import ComplaintFactory

pytestmark = pytest.mark.django_db

VIEWS = ["complaints:detail", "complaints:edit", "complaints:add_incident"]


@pytest.mark.parametrize("view", VIEWS)
def test_another_borrower_gets_404(client, borrower, other_borrower, view):
    complaint = ComplaintFactory(filer=borrower, status=Status.DRAFT)
    client.force_login(other_borrower)

    assert client.get(reverse(view, args=[complaint.reference])).status_code == 404


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED])
def test_another_borrower_cannot_change_the_status(client, borrower, other_borrower, status):
    complaint = ComplaintFactory(filer=borrower, status=status)
    client.force_login(other_borrower)

    response = client.post(
        reverse("complaints:transition", args=[complaint.reference]),
        {"to_status": Status.CLOSED, "note": "x"},
    )

    assert response.status_code == 404
    complaint.refresh_from_db()
    assert complaint.status == status


def test_another_borrower_cannot_add_incidents(client, borrower, other_borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    client.force_login(other_borrower)

    response = client.post(
        reverse("complaints:add_incident", args=[complaint.reference]),
        {"incident-occurred_at": "2026-11-01T10:00", "incident-channel": "call", "incident-kind": "threats"},
    )

    assert response.status_code == 404
    assert complaint.incidents.count() == 0


@pytest.mark.parametrize("view", [*VIEWS, "complaints:mine", "complaints:create"])
def test_an_anonymous_visitor_is_sent_to_login(client, borrower, view):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    args = [] if view in ("complaints:mine", "complaints:create") else [complaint.reference]

    response = client.get(reverse(view, args=args))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_filer_opens_their_complaint(client, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    client.force_login(borrower)

    response = client.get(reverse("complaints:detail", args=[complaint.reference]))

    assert response.status_code == 200
    assert complaint.reference in response.content.decode()


def test_references_are_case_blind(client, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    client.force_login(borrower)

    assert client.get(f"/complaints/{complaint.reference.lower()}/").status_code == 200


@pytest.mark.parametrize("role_fixture", ["advocate", "admin_user"])
def test_caseworkers_open_submitted_complaints(client, request, borrower, role_fixture):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    client.force_login(request.getfixturevalue(role_fixture))

    assert client.get(reverse("complaints:detail", args=[complaint.reference])).status_code == 200


def test_caseworkers_do_not_see_drafts(client, borrower, advocate):
    complaint = ComplaintFactory(filer=borrower, status=Status.DRAFT)
    client.force_login(advocate)

    assert client.get(reverse("complaints:detail", args=[complaint.reference])).status_code == 404


def test_my_complaints_lists_only_mine(client, borrower, other_borrower):
    mine = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    theirs = ComplaintFactory(filer=other_borrower, status=Status.SUBMITTED)
    client.force_login(borrower)

    page = client.get(reverse("complaints:mine")).content.decode()

    assert mine.reference in page
    assert theirs.reference not in page


def test_a_submitted_complaint_cannot_be_edited(client, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED, summary="原来的")
    client.force_login(borrower)

    response = client.post(
        reverse("complaints:edit", args=[complaint.reference]),
        {"lender_name": "别的", "summary": "改过的", "filer_relation": "self", "action": "draft"},
    )

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.summary == "原来的"
