"""Abuse of the forms: rate limits, CSRF on every state change, escaped user text everywhere."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from complaints.models import Complaint, Status
from tests.evidence import files
from tests.factories import ComplaintFactory, IncidentFactory, LenderFactory

pytestmark = pytest.mark.django_db

XSS = '<script>alert(1)</script>"><svg onload=alert(2)>'


@override_settings(RATE_LIMITS={"signup": (5, 2, 3600)})
def test_signups_are_limited_per_address(client):
    def attempt(n: int):
        return client.post(
            reverse("signup"),
            {
                "phone": f"1391111000{n}",
                "password1": "long enough pw",
                "password2": "long enough pw",
                "accept_notice": "on",
            },
            REMOTE_ADDR="10.1.1.1",
        )

    assert attempt(1).status_code == 302
    client.logout()
    assert attempt(2).status_code == 302
    client.logout()
    blocked = attempt(3)

    assert blocked.status_code == 429
    assert "请求过多" in blocked.content.decode() or "太多" in blocked.content.decode()


@override_settings(RATE_LIMITS={"upload": (3, 100, 3600)})
def test_uploads_are_limited_per_account(client, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    client.force_login(borrower)
    url = reverse("evidence:upload", args=[complaint.reference])

    first = client.post(
        url,
        {"files": [SimpleUploadedFile(f"{i}.png", files.png()) for i in range(3)]},
        headers={"Accept": "application/json"},
    )
    second = client.post(
        url, {"files": [SimpleUploadedFile("4.png", files.png())]}, headers={"Accept": "application/json"}
    )

    assert first.status_code == 200
    assert second.status_code == 429
    assert second.json()["files"][0]["accepted"] is False


@override_settings(RATE_LIMITS={"complaint_create": (1, 100, 3600)})
def test_complaint_creation_is_limited_per_account(client, borrower):
    client.force_login(borrower)
    data = {
        "lender_name": "某贷",
        "filer_relation": "self",
        "action": "draft",
        "incidents-TOTAL_FORMS": "0",
        "incidents-INITIAL_FORMS": "0",
        "incidents-MIN_NUM_FORMS": "0",
        "incidents-MAX_NUM_FORMS": "30",
    }

    assert client.post(reverse("complaints:create"), data).status_code == 302
    assert client.post(reverse("complaints:create"), data).status_code == 429
    assert Complaint.objects.count() == 1


@override_settings(RATE_LIMITS={"shared_package": (2, 100, 3600)})
def test_a_shared_package_link_is_limited_per_complaint(client):
    """The link in a sent letter needs no account and serves up to a gigabyte: whoever
    holds it may not fetch it without end, from one address or from many."""
    from django.utils import timezone

    from evidence import share

    complaint = ComplaintFactory(status=Status.WAITING_LENDER)
    other = ComplaintFactory(status=Status.WAITING_LENDER)
    url = share.share_link_make(complaint=complaint, now=timezone.now()).url
    path = url[url.index("/evidence/") :]

    fetched = [client.get(path, REMOTE_ADDR=f"10.2.0.{i}") for i in range(3)]

    assert [r.status_code for r in fetched] == [200, 200, 429]
    assert "一小时后再试" in fetched[2].content.decode()
    other_url = share.share_link_make(complaint=other, now=timezone.now()).url
    assert client.get(other_url[other_url.index("/evidence/") :], REMOTE_ADDR="10.2.0.9").status_code == 200


def test_every_state_changing_form_needs_its_csrf_token(borrower, advocate):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(borrower)
    ref = complaint.reference
    posts = [
        reverse("complaints:create"),
        reverse("complaints:transition", args=[ref]),
        reverse("complaints:add_incident", args=[ref]),
        reverse("evidence:upload", args=[ref]),
        reverse("my_data_delete"),
        reverse("notifications:mark_all_read"),
        reverse("set_language"),
        reverse("logout"),
        reverse("password_change"),
    ]

    statuses = {
        url: csrf_client.post(url, {"to_status": "closed", "note": "x", "password": "x"}).status_code
        for url in posts
    }

    assert set(statuses.values()) == {403}, statuses
    complaint.refresh_from_db()
    assert complaint.status == Status.SUBMITTED


def test_user_text_is_escaped_in_pages_emails_and_exports(client, borrower, advocate):
    lender = LenderFactory(name=XSS, confirmed=True)
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED, lender=lender, summary=XSS)
    IncidentFactory(complaint=complaint, description=XSS, collector_id=XSS)
    client.force_login(borrower)
    client.post(
        reverse("evidence:upload", args=[complaint.reference]),
        {"files": [SimpleUploadedFile(f"{XSS}.png", files.png())], "caption": XSS},
        headers={"Accept": "application/json"},
    )

    pages = [
        client.get(complaint.get_absolute_url()),
        client.get(reverse("complaints:mine")),
        client.get(reverse("evidence:manifest", args=[complaint.reference])),
    ]
    client.force_login(advocate)
    pages += [client.get(reverse("cases:queue")), client.get(complaint.get_absolute_url())]

    for response in pages:
        body = response.content.decode()
        assert "<script>alert(1)</script>" not in body, response.request["PATH_INFO"]
        assert "<svg onload" not in body
        assert "&lt;script&gt;" in body

    from django.utils import timezone

    from notifications import services as reminder_services

    borrower.email = "alice@example.com"
    borrower.save()
    reminder_services.sweep(now=timezone.now())
    for message in mail.outbox:
        for content, _kind in message.alternatives:
            assert "<script>alert(1)</script>" not in content
