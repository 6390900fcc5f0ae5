from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from complaints.models import Complaint, Incident, Lender, TimelineEvent

pytestmark = pytest.mark.django_db


def counts():
    return (
        User.objects.count(),
        Lender.objects.count(),
        Complaint.objects.count(),
        Incident.objects.count(),
        TimelineEvent.objects.count(),
    )


@override_settings(DEBUG=True)
def test_it_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    first = counts()

    call_command("seed_demo", stdout=StringIO())

    assert counts() == first
    assert first[2] >= 4


@override_settings(DEBUG=True)
@pytest.mark.parametrize("username", ["borrower1", "borrower2", "advocate1", "admin1"])
def test_demo_accounts_log_in_at_the_form(client, username):
    call_command("seed_demo", stdout=StringIO())

    response = client.post(reverse("login"), {"username": username, "password": "demo-pass-2026"})

    assert response.status_code == 302


@override_settings(DEBUG=True)
def test_each_borrower_gets_complaints_with_incidents():
    call_command("seed_demo", stdout=StringIO())

    for username in ("borrower1", "borrower2"):
        complaints = Complaint.objects.filter(filer__username=username)
        assert complaints.count() >= 2
        assert Incident.objects.filter(complaint__in=complaints).count() >= 2


@override_settings(DEBUG=False)
def test_it_refuses_without_debug_unless_forced():
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())

    call_command("seed_demo", "--force", stdout=StringIO())
    assert User.objects.filter(username="admin1").exists()


@override_settings(DEBUG=True)
def test_it_adds_synthetic_complaints_in_bulk():
    call_command("seed_demo", stdout=StringIO())
    before = Complaint.objects.count()

    call_command("seed_demo", "--complaints", "300", stdout=StringIO())
    call_command("seed_demo", "--complaints", "20", stdout=StringIO())

    assert Complaint.objects.count() == before + 320
    synthetic = Complaint.objects.filter(filer__username__startswith="synth-")
    assert synthetic.values("filer").distinct().count() == 64
    assert synthetic.values("lender").distinct().count() > 5
    assert Incident.objects.filter(complaint__in=synthetic).count() >= 320
