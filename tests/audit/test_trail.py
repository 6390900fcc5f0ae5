"""Who saw or changed what, recorded as it happens and shown to caseworkers only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import Action, AuditEvent
from complaints.models import Status
from evidence.models import Evidence
from tests.evidence import files
from tests.factories import ComplaintFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint(client, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    client.force_login(borrower)
    client.post(
        reverse("evidence:upload", args=[complaint.reference]),
        {"files": [SimpleUploadedFile("a.png", files.png())]},
        headers={"Accept": "application/json"},
    )
    client.logout()
    return complaint


def actions(complaint) -> list[str]:
    return list(
        AuditEvent.objects.filter(complaint=complaint).order_by("pk").values_list("action", flat=True)
    )


def test_an_advocate_opening_the_case_and_its_evidence_is_recorded(client, advocate, complaint):
    evidence = Evidence.objects.get()
    client.force_login(advocate)

    client.get(complaint.get_absolute_url())
    client.get(reverse("evidence:download", args=[evidence.public_id]))
    client.get(reverse("evidence:download", args=[evidence.public_id]), headers={"Range": "bytes=100-200"})
    client.get(reverse("evidence:package", args=[complaint.reference]))
    client.post(
        reverse("complaints:transition", args=[complaint.reference]), {"to_status": Status.UNDER_REVIEW}
    )

    assert actions(complaint) == [
        Action.VIEW_CASE,
        Action.DOWNLOAD_EVIDENCE,
        Action.DOWNLOAD_PACKAGE,
        Action.STATUS_CHANGE,
    ]
    event = AuditEvent.objects.filter(complaint=complaint).first()
    assert event.actor == advocate and advocate.username in event.actor_label


def test_the_trail_is_shown_to_caseworkers_and_never_to_the_borrower(client, advocate, borrower, complaint):
    trail = reverse("cases:trail", args=[complaint.reference])
    client.force_login(advocate)
    case_page = client.get(complaint.get_absolute_url()).content.decode()
    # The case page links to the trail rather than listing it (it grows with every view).
    assert f'href="{trail}"' in case_page
    page = client.get(trail).content.decode()
    assert advocate.username in page

    client.force_login(borrower)
    assert advocate.username not in client.get(complaint.get_absolute_url()).content.decode()
    assert trail not in client.get(complaint.get_absolute_url()).content.decode()
    assert client.get(trail).status_code == 404


def test_the_trail_is_not_shown_to_a_stranger(client, complaint):
    from tests.factories import UserFactory

    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(reverse("cases:trail", args=[complaint.reference])).status_code == 404


def test_a_data_export_is_recorded(client, borrower):
    client.force_login(borrower)

    b"".join(client.get(reverse("my_data_export")).streaming_content)

    assert AuditEvent.objects.filter(actor=borrower, action=Action.EXPORT_DATA).count() == 1


def test_nobody_can_edit_or_delete_the_trail_in_the_admin(client, admin_user, advocate, complaint):
    client.force_login(advocate)
    client.get(complaint.get_absolute_url())
    event = AuditEvent.objects.get()
    client.force_login(admin_user)

    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert (
        client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    ("view", "how"), [("letter", "page"), ("letter_text", "text"), ("letter_edit", "edit")]
)
def test_opening_a_letter_is_recorded(client, advocate, complaint, view, how):
    """The model named this action; nothing wrote it."""
    target = f"lender-{complaint.lender_id}"
    client.force_login(advocate)

    assert client.get(reverse(f"regulators:{view}", args=[complaint.reference, target])).status_code == 200

    event = AuditEvent.objects.get(action=Action.VIEW_LETTER)
    assert (event.actor, event.complaint, event.detail) == (advocate, complaint, f"{target} {how}")


def test_reading_a_screenshots_text_is_recorded_like_opening_it(client, advocate, complaint):
    from evidence.models import Reading

    evidence = Evidence.objects.get(complaint=complaint)
    Reading.objects.create(evidence=evidence, text="还钱", lines=[])
    client.force_login(advocate)

    assert client.get(reverse("evidence:text", args=[evidence.public_id])).status_code == 200

    event = AuditEvent.objects.get(action=Action.DOWNLOAD_EVIDENCE)
    assert (event.actor, event.detail) == (advocate, f"{evidence.public_id} text")
