"""Every URL that takes an identifier, tried by people who must not reach the object.

The patterns are read from the URL configuration, so a new view is swept without editing
this test; a new kind of identifier fails here until the sweep knows how to fill it.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from cases.models import InfoRequest
from complaints.models import Status
from escalations.models import Escalation
from evidence.models import Evidence
from tests.evidence import files
from tests.factories import ComplaintFactory, IncidentFactory

pytestmark = pytest.mark.django_db

# Patterns whose identifier is not a secret: public pages anyone may open.
# The evidence link a sent letter carries: its signed, expiring token is the permission,
# so it has no owner to sweep; tests/escalations/test_send.py tries altered and expired ones.
PUBLIC = {"set_language", "password_reset_confirm", "evidence:shared_package"}


def identified_patterns() -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []

    def walk(patterns, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue  # the admin has its own, staff-only gate, tested with the directory
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name and p.pattern.converters:
                name = f"{namespace}{p.name}"
                if name not in PUBLIC:
                    found.append((name, list(p.pattern.converters)))

    walk(get_resolver().url_patterns, "")
    return found


@pytest.fixture
def owned(borrower, advocate):
    """One of each identified object, all belonging to `borrower`'s complaint."""
    from django.test import Client

    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    IncidentFactory(complaint=complaint, collector_id_normalized="17100007777")
    owner = Client()
    owner.force_login(borrower)
    owner.post(
        reverse("evidence:upload", args=[complaint.reference]),
        {"files": [SimpleUploadedFile("a.png", files.png())]},
        headers={"Accept": "application/json"},
    )
    evidence = Evidence.objects.get()
    info = InfoRequest.objects.create(complaint=complaint, message="需要录音", requested_by=advocate)
    escalation = Escalation.objects.create(
        complaint=complaint, lender=complaint.lender, channel="hotline", sent_at=timezone.now()
    )
    from evidence.models import Proposal

    proposal = Proposal.objects.create(
        evidence=evidence, complaint=complaint, channel="sms", kind="threats", quote="再不还钱就上门"
    )
    # Notifications belong to a person, not a complaint: this one is the borrower's.
    from notifications.models import Reminder

    reminder = Reminder.objects.create(
        recipient=borrower,
        kind="submitted",
        object_id=complaint.pk,
        complaint=complaint,
        due_at=complaint.submitted_at,
        title="x",
    )
    # "Did the harassment stop?" (asked after closing; the sweep only needs the row).
    from cases.models import FollowUp

    followup = FollowUp.objects.create(
        complaint=complaint, closed_at=timezone.now(), round="at_close", asked_at=timezone.now()
    )
    return {
        "followup_id": followup.pk,
        "reference": complaint.reference,
        "public_id": evidence.public_id,
        "request_id": info.pk,
        "key": "17100007777",
        "reminder_id": reminder.pk,
        "escalation_id": escalation.pk,
        "target": f"lender-{complaint.lender_id}",
        "pk": proposal.pk,
    }


def urls_for(values: dict) -> list[str]:
    urls = []
    for name, params in identified_patterns():
        missing = [p for p in params if p not in values]
        assert not missing, f"{name}: the sweep does not know how to fill {missing}; add them to `owned`"
        urls.append(reverse(name, kwargs={p: values[p] for p in params}))
    return urls


def test_the_sweep_covers_the_views_that_matter():
    names = {name for name, _params in identified_patterns()}

    assert {"complaints:detail", "evidence:download", "evidence:package", "cases:collector"} <= names


def test_another_borrower_gets_404_for_every_identified_url(client, other_borrower, owned):
    client.force_login(other_borrower)
    problems = []
    for url in urls_for(owned):
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            # 405: the method is wrong for the view, which says nothing about the object.
            if status not in (404, 405):
                problems.append(f"{method.upper()} {url} -> {status}")

    assert problems == []
    assert Evidence.objects.get().withdrawn_at is None
    assert InfoRequest.objects.get().is_open
    from cases.models import FollowUp

    assert FollowUp.objects.get().answer == ""


def test_an_anonymous_visitor_is_sent_to_login_for_every_identified_url(client, owned):
    problems = []
    for url in urls_for(owned):
        response = client.get(url)
        if response.status_code == 302 and response["Location"].startswith(reverse("login")):
            continue
        if response.status_code in (404, 405):
            continue
        problems.append(f"GET {url} -> {response.status_code}")

    assert problems == []
