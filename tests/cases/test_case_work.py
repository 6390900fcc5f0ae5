"""Assignment, internal notes, requests to the borrower, evidence review, collector linking."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import EvidenceReview, InfoRequest
from complaints.models import Status, TimelineEvent
from evidence.models import Evidence
from tests.evidence import files
from tests.factories import ComplaintFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint(borrower):
    return ComplaintFactory(filer=borrower, status=Status.SUBMITTED)


def test_an_advocate_takes_hands_over_and_releases_a_case(client, advocate, admin_user, complaint):
    client.force_login(advocate)
    url = reverse("cases:assign", args=[complaint.reference])

    client.post(url, {"take": "1"})
    complaint.refresh_from_db()
    assert complaint.assignee == advocate

    client.post(url, {"assignee": str(admin_user.pk)})
    complaint.refresh_from_db()
    assert complaint.assignee == admin_user

    client.post(url, {"assignee": ""})
    complaint.refresh_from_db()
    assert complaint.assignee is None
    assert TimelineEvent.objects.filter(complaint=complaint, kind="assignment").count() == 3


def test_a_case_cannot_go_to_a_borrower(client, advocate, other_borrower, complaint):
    client.force_login(advocate)

    client.post(reverse("cases:assign", args=[complaint.reference]), {"assignee": str(other_borrower.pk)})

    complaint.refresh_from_db()
    assert complaint.assignee is None


def test_internal_notes_never_reach_the_borrower(client, advocate, borrower, complaint):
    client.force_login(advocate)
    client.post(
        reverse("cases:add_note", args=[complaint.reference]), {"text": "INTERNAL-ONLY 该借款人可能夸大"}
    )
    assert "INTERNAL-ONLY" in client.get(complaint.get_absolute_url()).content.decode()

    client.force_login(borrower)
    page = client.get(complaint.get_absolute_url()).content.decode()
    package = b"".join(client.get(reverse("evidence:package", args=[complaint.reference])).streaming_content)

    assert "INTERNAL-ONLY" not in page
    assert b"INTERNAL-ONLY" not in package


@pytest.mark.parametrize("name", ["cases:assign", "cases:add_note", "cases:request_info"])
def test_borrowers_cannot_use_case_actions(client, borrower, complaint, name):
    client.force_login(borrower)

    response = client.post(
        reverse(name, args=[complaint.reference]), {"take": "1", "text": "x", "message": "x"}
    )

    assert response.status_code == 404
    complaint.refresh_from_db()
    assert complaint.assignee is None
    assert not InfoRequest.objects.exists()
    assert not TimelineEvent.objects.filter(kind="note").exists()


def test_a_request_reaches_the_borrower_who_answers_it(client, advocate, borrower, complaint):
    client.force_login(advocate)
    client.post(
        reverse("cases:request_info", args=[complaint.reference]), {"message": "请上传那天的通话录音"}
    )
    complaint.refresh_from_db()
    assert complaint.waiting_for_borrower_since is not None

    client.force_login(borrower)
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert "请上传那天的通话录音" in page
    request = InfoRequest.objects.get()
    client.post(reverse("cases:answer_info", args=[complaint.reference, request.pk]), {"response": "已上传"})

    request.refresh_from_db()
    complaint.refresh_from_db()
    assert request.response == "已上传"
    assert complaint.waiting_for_borrower_since is None


def test_another_borrower_cannot_answer(client, advocate, other_borrower, complaint):
    client.force_login(advocate)
    client.post(reverse("cases:request_info", args=[complaint.reference]), {"message": "需要截图"})
    request = InfoRequest.objects.get()
    client.force_login(other_borrower)

    response = client.post(
        reverse("cases:answer_info", args=[complaint.reference, request.pk]), {"response": "x"}
    )

    assert response.status_code == 404
    request.refresh_from_db()
    assert request.is_open


def test_evidence_review_needs_a_reason_when_not_usable(client, advocate, borrower, complaint):
    client.force_login(borrower)
    client.post(
        reverse("evidence:upload", args=[complaint.reference]),
        {"files": [SimpleUploadedFile("a.png", files.png())]},
        headers={"Accept": "application/json"},
    )
    evidence = Evidence.objects.get()
    client.force_login(advocate)
    url = reverse("cases:review_evidence", args=[evidence.public_id])

    client.post(url, {"usable": "no", "reason": ""})
    assert not EvidenceReview.objects.exists()
    client.post(url, {"usable": "no", "reason": "看不清号码"})
    review = EvidenceReview.objects.get()
    assert (review.usable, review.reason, review.reviewer) == (False, "看不清号码", advocate)

    client.force_login(borrower)
    assert client.post(url, {"usable": "yes"}).status_code == 404


def test_collector_numbers_link_complaints(client, advocate, borrower, other_borrower):
    first = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    IncidentFactory(complaint=first, collector_id="+86 171-0000-9999", collector_id_normalized="17100009999")
    second = ComplaintFactory(filer=other_borrower, status=Status.SUBMITTED)
    IncidentFactory(complaint=second, collector_id="17100009999", collector_id_normalized="17100009999")
    draft = ComplaintFactory(filer=other_borrower, status=Status.DRAFT)
    IncidentFactory(complaint=draft, collector_id_normalized="17100009999")
    client.force_login(advocate)

    case_page = client.get(first.get_absolute_url()).content.decode()
    collector_page = client.get(reverse("cases:collector", args=["171 0000 9999"]), follow=True)

    assert reverse("cases:collector", args=["17100009999"]) in case_page
    assert collector_page.status_code == 200
    listed = {c.reference for c in collector_page.context["page"].object_list}
    assert listed == {first.reference, second.reference}
    assert collector_page.context["summary"].complaint_count == 2


def test_borrowers_never_see_collector_pages(client, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    IncidentFactory(complaint=complaint, collector_id_normalized="17100009999")
    client.force_login(borrower)

    assert client.get(reverse("cases:collector", args=["17100009999"])).status_code == 404
    assert "cases/collectors" not in client.get(complaint.get_absolute_url()).content.decode()


def test_a_new_advocate_appears_in_the_hand_over_list_at_once(client, advocate, admin_user, borrower):
    """The list is cached for every case page; the admin's change must not wait for it."""
    from cases.selectors import caseworker_choices

    assert borrower.pk not in dict(caseworker_choices())
    client.force_login(admin_user)
    data = {
        "username": borrower.username,
        "role": "advocate",
        "phone": borrower.phone,
        "display_name": borrower.display_name,
        "language": "zh-hans",
        "is_active": "on",
        "date_joined_0": "2026-11-01",
        "date_joined_1": "10:00:00",
    }
    response = client.post(reverse("admin:accounts_user_change", args=[borrower.pk]), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert borrower.pk in dict(caseworker_choices())


def test_a_refused_answer_comes_back_in_its_place_with_its_text(client, advocate, borrower, complaint):
    client.force_login(advocate)
    client.post(reverse("cases:request_info", args=[complaint.reference]), {"message": "需要截图"})
    request = InfoRequest.objects.get()
    client.force_login(borrower)
    too_long = "录" * 5001

    response = client.post(
        reverse("cases:answer_info", args=[complaint.reference, request.pk]), {"response": too_long}
    )

    assert response.status_code == 200
    request.refresh_from_db()
    assert request.is_open
    html = response.content.decode()
    assert f'href="#info-{request.pk}"' in html
    card = html[html.index(f'id="info-{request.pk}"') :]
    card = card[: card.index("</form>")]
    assert f">{too_long}</textarea>" in card
    assert "alert-danger" in card


def test_an_empty_note_keeps_the_advocate_on_the_form(client, advocate, complaint):
    client.force_login(advocate)

    response = client.post(reverse("cases:request_info", args=[complaint.reference]), {"message": "  "})

    assert response.status_code == 200
    assert not InfoRequest.objects.exists()
    html = response.content.decode()
    form = html[html.index('id="case-info-request"') :]
    assert "is-invalid" in form[: form.index("</form>")]
