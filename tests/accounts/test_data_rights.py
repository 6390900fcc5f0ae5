"""Take a copy of everything, and leave: nothing personal remains, in the database or in storage."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from cases import services as case_services
from complaints.models import Complaint, Incident, Status, TimelineEvent
from evidence import services as evidence_services
from evidence.models import Evidence
from tests.evidence import files
from tests.factories import PASSWORD, ComplaintFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_case(client, borrower, advocate):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED, summary="ALICE-SUMMARY 我的私事")
    IncidentFactory(complaint=complaint, description="ALICE-INCIDENT", third_party_number="13912345678")
    client.force_login(borrower)
    client.post(
        reverse("evidence:upload", args=[complaint.reference]),
        {"files": [SimpleUploadedFile("alice.png", files.png())]},
        headers={"Accept": "application/json"},
    )
    evidence_services.evidence_process(evidence_id=Evidence.objects.get(complaint=complaint).pk)
    case_services.case_add_note(complaint=complaint, actor=advocate, text="INTERNAL-NOTE")
    case_services.info_request_create(complaint=complaint, actor=advocate, message="请上传录音")
    return complaint


def test_the_export_holds_everything_mine_and_nothing_of_anyone_else(
    client, borrower, other_borrower, alices_case
):
    theirs = ComplaintFactory(filer=other_borrower, status=Status.SUBMITTED, summary="CHARLIE-SUMMARY")

    response = client.get(reverse("my_data_export"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    raw = archive.read("data.json").decode()

    assert data["account"]["phone"] == borrower.phone
    assert [c["reference"] for c in data["complaints"]] == [alices_case.reference]
    assert "ALICE-SUMMARY" in raw and "ALICE-INCIDENT" in raw and "请上传录音" in raw
    assert "CHARLIE-SUMMARY" not in raw and theirs.reference not in raw
    assert "INTERNAL-NOTE" not in raw
    evidence = Evidence.objects.get(complaint=alices_case)
    stored = [n for n in archive.namelist() if n.startswith("files/")]
    assert len(stored) == 1
    with evidence.file.open("rb") as f:
        assert archive.read(stored[0]) == f.read()


def test_deleting_the_account_leaves_no_personal_field_and_no_file(client, borrower, alices_case):
    evidence = Evidence.objects.get(complaint=alices_case)
    paths = [evidence.file.name, evidence.display_file.name, evidence.thumbnail.name]
    storage = evidence.file.storage
    assert all(storage.exists(p) for p in paths)
    phone = borrower.phone

    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("my_data_delete"), {"password": PASSWORD})

    assert response.status_code == 200
    assert not User.objects.filter(phone=phone).exists()
    assert not any(storage.exists(p) for p in paths)
    assert not Evidence.objects.exists()
    kept = Complaint.objects.get(pk=alices_case.pk)
    assert kept.filer.username == "deleted-account" and not kept.filer.is_active
    assert kept.summary == ""
    assert kept.lender_id == alices_case.lender_id  # the statistics survive
    incident = Incident.objects.get(complaint=kept)
    assert (incident.description, incident.third_party_number) == ("", "")
    assert not TimelineEvent.objects.filter(complaint=kept).exclude(note="").exists()
    for value in ("ALICE-SUMMARY", "ALICE-INCIDENT", phone):
        for model, fields in ((Complaint, ["summary"]), (Incident, ["description", "third_party_number"])):
            for field in fields:
                assert not model.objects.filter(**{f"{field}__contains": value}).exists()
    # Logged out, and told what remains.
    assert "匿名" in response.content.decode()
    assert client.get(reverse("complaints:mine")).status_code == 302


def test_deleting_the_account_erases_the_rendered_letters(client, borrower, alices_case, tasks_run_here):
    from django.test import TestCase

    from escalations.models import LetterPdf

    letter = reverse("regulators:letter_pdf", args=[alices_case.reference, f"lender-{alices_case.lender_id}"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.get(letter)  # the render runs on commit, in this process
    pdf = LetterPdf.objects.get(complaint=alices_case)
    storage = pdf.file.storage
    assert storage.exists(pdf.file.name)

    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("my_data_delete"), {"password": PASSWORD})

    assert not LetterPdf.objects.exists()
    assert not storage.exists(pdf.file.name)


def test_a_wrong_password_deletes_nothing(client, borrower, alices_case):
    client.post(reverse("my_data_delete"), {"password": "not it"})

    assert User.objects.filter(pk=borrower.pk).exists()
    assert Evidence.objects.exists()


def test_advocates_cannot_delete_themselves_here(client, advocate):
    client.force_login(advocate)

    client.post(reverse("my_data_delete"), {"password": PASSWORD})

    assert User.objects.filter(pk=advocate.pk).exists()


def test_after_deletion_the_number_is_in_no_column_of_any_table(client, borrower, advocate, alices_case):
    """The promise "no personal field remains", checked against every text column the
    project has, so a new table cannot keep the number unnoticed (the audit trail's
    "借款人: 139…" label once did)."""
    from django.apps import apps
    from django.db import models
    from django.test import TestCase

    from audit.models import AuditEvent

    phone = borrower.phone
    client.get(reverse("my_data_export"))  # an audit row with the borrower as actor
    client.post(reverse("login"), {"username": phone, "password": "wrong"})  # a sign-in record
    client.force_login(borrower)
    assert AuditEvent.objects.filter(actor_label__contains=phone).exists()

    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("my_data_delete"), {"password": PASSWORD})

    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            is_text = isinstance(field, (models.CharField, models.TextField)) and not field.many_to_many
            if is_text and model._default_manager.filter(**{f"{field.name}__contains": phone}).exists():
                found.append(f"{model._meta.label}.{field.name}")
    assert found == []
    event = AuditEvent.objects.get(action="export_data")
    assert event.actor is None and event.actor_label  # the fact and its time stay


def test_every_table_that_holds_a_person_or_a_complaint_is_covered_by_a_data_rights_part():
    """Export and erasure ask each app for its part (accounts/privacy.py); a model that
    points at a user or a complaint must be named by one, or be here with its reason."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    from accounts.privacy import parts

    reasons = {
        "admin.LogEntry": "staff actions in the admin; borrowers never use it",
        "complaints.Lender": "named_by is only who typed a lender's name first (set null)",
        "complaints.Institution": "named_by is only who typed a funder's name first (set null)",
        "cases.CollectorProfile": "counts per collector number, not per person",
    }
    covered = {label for part in parts() for label in part.models}
    targets = {get_user_model(), apps.get_model("complaints", "Complaint")}
    missing = []
    for model in apps.get_models():
        if model in targets:
            continue
        label = model._meta.label
        holds = any(
            f.is_relation and f.related_model in targets for f in model._meta.get_fields() if f.concrete
        )
        if holds and label not in covered and label not in reasons:
            missing.append(label)
    assert missing == []


def test_the_export_holds_what_the_app_read_in_a_screenshot(client, borrower, alices_case):
    from evidence.models import Proposal, Reading

    evidence = Evidence.objects.get(complaint=alices_case)
    Reading.objects.update_or_create(
        evidence=evidence, defaults={"text": "不还钱就告诉你妈妈", "lines": [], "sender": "10691234"}
    )
    Proposal.objects.create(
        evidence=evidence, complaint=alices_case, channel="sms", kind="threats", quote="告诉你妈妈"
    )

    response = client.get(reverse("my_data_export"))
    data = json.loads(zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).read("data.json"))

    complaint = data["complaints"][0]
    assert complaint["evidence"][0]["recognised"]["text"] == "不还钱就告诉你妈妈"
    assert complaint["proposed_incidents"][0]["quote"] == "告诉你妈妈"
