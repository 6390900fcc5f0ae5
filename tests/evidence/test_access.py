"""Evidence exists only for the complaint's filer and caseworkers; everyone else gets 404 or the login page."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from complaints.models import Status, TimelineEvent
from evidence import services
from evidence.models import Evidence
from tests.evidence import files
from tests.evidence.conftest import post_files
from tests.factories import ComplaintFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(client, borrower, complaint):
    client.force_login(borrower)
    response = post_files(client, complaint, ("letter.png", files.png()))
    client.logout()
    return Evidence.objects.get(public_id=response.json()["files"][0]["id"])


def evidence_urls(evidence):
    ref = evidence.complaint.reference
    return [
        ("get", reverse("evidence:download", args=[evidence.public_id])),
        ("get", reverse("evidence:download", args=[evidence.public_id]) + "?variant=display"),
        ("get", reverse("evidence:download", args=[evidence.public_id]) + "?variant=thumbnail"),
        ("get", reverse("evidence:package", args=[ref])),
        ("get", reverse("evidence:originals", args=[ref])),
        ("get", reverse("evidence:package_originals", args=[ref])),
        ("get", reverse("evidence:manifest", args=[ref])),
        ("post", reverse("evidence:upload", args=[ref])),
        ("post", reverse("evidence:caption", args=[evidence.public_id])),
        ("post", reverse("evidence:remove", args=[evidence.public_id])),
    ]


def test_another_borrower_gets_404_everywhere(client, other_borrower, evidence):
    services.evidence_process(evidence_id=evidence.pk)
    client.force_login(other_borrower)

    statuses = {url: getattr(client, method)(url).status_code for method, url in evidence_urls(evidence)}

    assert set(statuses.values()) == {404}, statuses
    evidence.refresh_from_db()
    assert evidence.withdrawn_at is None


def test_an_anonymous_visitor_is_sent_to_login(client, evidence):
    for method, url in evidence_urls(evidence):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_a_guessed_id_is_404(client, borrower):
    client.force_login(borrower)

    assert client.get("/evidence/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_caseworkers_open_evidence_of_submitted_complaints(client, advocate, evidence):
    client.force_login(advocate)

    assert client.get(reverse("evidence:download", args=[evidence.public_id])).status_code == 200


def test_caseworkers_do_not_see_evidence_of_drafts(client, borrower, advocate, draft):
    client.force_login(borrower)
    response = post_files(client, draft, ("a.png", files.png()))
    public_id = response.json()["files"][0]["id"]
    client.force_login(advocate)

    assert client.get(reverse("evidence:download", args=[public_id])).status_code == 404


def test_media_is_never_served_from_a_public_url(client, evidence):
    assert client.get("/media/" + evidence.file.name).status_code == 404


def test_downloads_carry_protective_headers(client, borrower, evidence):
    client.force_login(borrower)

    response = client.get(reverse("evidence:download", args=[evidence.public_id]))

    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Disposition"].startswith("attachment")
    assert "letter.png" in response["Content-Disposition"]


def test_range_requests_return_206_with_the_right_bytes(client, borrower, evidence):
    client.force_login(borrower)
    url = reverse("evidence:download", args=[evidence.public_id])
    with evidence.file.open("rb") as f:
        original = f.read()

    partial = client.get(url, headers={"Range": "bytes=10-49"})
    suffix = client.get(url, headers={"Range": "bytes=-16"})
    beyond = client.get(url, headers={"Range": f"bytes={len(original) + 10}-"})

    assert partial.status_code == 206
    assert partial["Content-Range"] == f"bytes 10-49/{len(original)}"
    assert b"".join(partial.streaming_content) == original[10:50]
    assert suffix.status_code == 206
    assert b"".join(suffix.streaming_content) == original[-16:]
    assert beyond.status_code == 416


def test_the_originals_package_holds_every_original_and_a_manifest(client, borrower, complaint):
    client.force_login(borrower)
    sent = {"a.png": files.png(), "b.jpg": files.jpeg(), "c.txt": "催收记录".encode()}
    post_files(client, complaint, *sent.items())

    response = client.get(reverse("evidence:package_originals", args=[complaint.reference]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    originals = {n: archive.read(n) for n in names if n.startswith("evidence/")}
    assert sorted(originals.values()) == sorted(sent.values())
    manifest = archive.read("manifest.csv").decode("utf-8-sig")
    for evidence in Evidence.objects.all():
        assert evidence.sha256 in manifest
    html = archive.read("manifest.html").decode()
    assert "证据清单" in html
    assert complaint.reference in html


def test_a_draft_file_is_deleted_with_its_files(client, borrower, draft, django_capture_on_commit_callbacks):
    client.force_login(borrower)
    post_files(client, draft, ("a.png", files.png()))
    evidence = Evidence.objects.get()
    services.evidence_process(evidence_id=evidence.pk)
    evidence.refresh_from_db()
    stored = [evidence.file.name, evidence.display_file.name, evidence.thumbnail.name]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evidence:remove", args=[evidence.public_id]))

    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert not any(evidence.file.storage.exists(name) for name in stored)


def test_after_submission_evidence_is_withdrawn_visibly_not_deleted(client, borrower, evidence):
    client.force_login(borrower)

    refused = client.post(reverse("evidence:remove", args=[evidence.public_id]), {"reason": ""})
    evidence.refresh_from_db()
    assert refused.status_code == 302
    assert evidence.withdrawn_at is None

    client.post(reverse("evidence:remove", args=[evidence.public_id]), {"reason": "传错了文件"})

    evidence.refresh_from_db()
    assert evidence.withdrawn_at is not None
    assert evidence.file.storage.exists(evidence.file.name)
    event = TimelineEvent.objects.get(complaint=evidence.complaint, kind="evidence_withdrawn")
    assert "传错了文件" in event.note


def test_only_the_filer_edits_captions(client, borrower, advocate, evidence):
    client.force_login(advocate)
    client.post(reverse("evidence:caption", args=[evidence.public_id]), {"caption": "advocate"})
    evidence.refresh_from_db()
    assert evidence.caption == ""

    client.force_login(borrower)
    client.post(reverse("evidence:caption", args=[evidence.public_id]), {"caption": "催收短信截图"})
    evidence.refresh_from_db()
    assert evidence.caption == "催收短信截图"


def test_nobody_uploads_to_a_closed_complaint(client, borrower):
    closed = ComplaintFactory(filer=borrower, status=Status.CLOSED)
    client.force_login(borrower)

    response = post_files(client, closed, ("a.png", files.png()))

    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_evidence_shows_on_the_complaint_page_grouped_by_incident(client, borrower, complaint):
    from tests.factories import IncidentFactory

    incident = IncidentFactory(complaint=complaint)
    client.force_login(borrower)
    post_files(client, complaint, ("by-incident.png", files.png()), incident=str(incident.pk))
    post_files(client, complaint, ("general.png", files.png()))

    page = client.get(complaint.get_absolute_url()).content.decode()

    assert page.index("by-incident.png") < page.index("general.png")
    assert Evidence.objects.get(original_name="by-incident.png").incident == incident


def test_a_long_caption_comes_back_beside_its_file_as_typed(client, borrower, evidence):
    client.force_login(borrower)
    typed = "这是催收人员在晚上十一点发来的短信截图" * 20

    response = client.post(reverse("evidence:caption", args=[evidence.public_id]), {"caption": typed})

    assert response.status_code == 200
    evidence.refresh_from_db()
    assert evidence.caption == ""
    html = response.content.decode()
    field = html[html.index(f'id="caption-{evidence.public_id}"') :]
    assert field.index(f'value="{typed}"') < field.index(f'id="caption-{evidence.public_id}-error"')
    assert f'href="#caption-{evidence.public_id}"' in html
