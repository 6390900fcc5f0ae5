"""The escalation section of the complaint page, its forms, and who may open letters."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from complaints.models import Status
from escalations.models import Escalation, EscalationStatus, LetterDraft
from escalations.services import escalation_record
from tests.escalations.conftest import CST, HASHES
from tests.evidence import files
from tests.factories import InstitutionFactory, LenderFactory

pytestmark = pytest.mark.django_db

LETTER_VIEWS = [
    "regulators:letter",
    "regulators:letter_text",
    "regulators:letter_pdf",
    "regulators:letter_edit",
]


def letter_url(view, complaint, key=None):
    return reverse(view, args=[complaint.reference, key or f"lender-{complaint.lender_id}"])


def record_lender(complaint, actor, *, days_ago=1):
    sent = timezone.now() - timedelta(days=days_ago)
    return escalation_record(
        complaint=complaint,
        actor=actor,
        lender=complaint.lender,
        channel="hotline",
        sent_at=sent,
        reference="KF-1",
        now=sent,
    )


# --- Who may see -------------------------------------------------------------------------


@pytest.mark.parametrize("view", LETTER_VIEWS)
def test_it_sends_anonymous_visitors_to_log_in(client, letter_case, view):
    response = client.get(letter_url(view, letter_case))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("view", LETTER_VIEWS)
def test_it_hides_letters_from_another_borrower(client, letter_case, other_borrower, view):
    client.force_login(other_borrower)

    assert client.get(letter_url(view, letter_case)).status_code == 404


@pytest.mark.parametrize("view", LETTER_VIEWS)
@pytest.mark.parametrize("who", ["borrower", "advocate", "admin_user"])
def test_it_shows_letters_to_the_filer_and_caseworkers(request, client, letter_case, view, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(letter_url(view, letter_case)).status_code == 200


def test_it_hides_a_drafts_letters_from_caseworkers(client, letter_case, advocate):
    letter_case.status = Status.DRAFT
    letter_case.submitted_at = None
    letter_case.save()
    client.force_login(advocate)

    assert client.get(letter_url("regulators:letter", letter_case)).status_code == 404


def test_it_refuses_a_lender_the_complaint_is_not_about(client, letter_case, borrower):
    other = LenderFactory(name="别的银行")
    client.force_login(borrower)

    assert client.get(letter_url("regulators:letter", letter_case, f"lender-{other.pk}")).status_code == 404


def test_it_refuses_an_unknown_regulator(client, letter_case, borrower):
    client.force_login(borrower)

    assert client.get(letter_url("regulators:letter", letter_case, "regulator-999999")).status_code == 404


def test_it_hides_escalation_actions_from_another_borrower(client, letter_case, borrower, other_borrower):
    escalation = record_lender(letter_case, borrower)
    client.force_login(other_borrower)

    urls = [
        reverse("regulators:escalation_record", args=[letter_case.reference]),
        *(
            reverse(f"regulators:escalation_{action}", args=[letter_case.reference, escalation.pk])
            for action in ("sent", "acknowledge", "answer", "close")
        ),
    ]
    for url in urls:
        assert client.post(url, {"note": "x", "answer": "x"}).status_code == 404
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.SENT


def test_it_hides_another_complaints_escalation(client, letter_case, borrower):
    from tests.factories import ComplaintFactory

    escalation = record_lender(letter_case, borrower)
    mine = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    client.force_login(borrower)

    url = reverse("regulators:escalation_close", args=[mine.reference, escalation.pk])
    assert client.post(url, {"note": "x"}).status_code == 404


# --- Letters in each format ----------------------------------------------------------------


def test_the_print_page_escapes_the_borrowers_text(client, letter_case, borrower):
    client.force_login(borrower)

    page = client.get(letter_url("regulators:letter", letter_case)).content.decode()

    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in page
    assert '<img src="file:///etc/passwd">' not in page
    assert HASHES[0] in page and HASHES[1] in page


def test_the_letter_is_never_cached(client, letter_case, borrower):
    client.force_login(borrower)

    for view in ("regulators:letter", "regulators:letter_text", "regulators:letter_pdf"):
        assert "no-store" in client.get(letter_url(view, letter_case))["Cache-Control"]


def test_the_plain_text_is_text(client, letter_case, borrower):
    client.force_login(borrower)

    response = client.get(letter_url("regulators:letter_text", letter_case))

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "说要来家里找我" in response.content.decode()


def get_pdf(client, complaint, capture):
    """The PDF as a borrower gets it: a "being prepared" page whose render the worker
    (run eagerly here, on commit) does, then the file on the page's refresh."""
    url = letter_url("regulators:letter_pdf", complaint)
    with capture(execute=True):
        first = client.get(url)
    assert "正在生成 PDF" in first.content.decode()
    return client.get(url)


def test_the_pdf_view_serves_a_chinese_pdf(
    client, letter_case, borrower, django_capture_on_commit_callbacks, tasks_run_here
):
    client.force_login(borrower)

    response = get_pdf(client, letter_case, django_capture_on_commit_callbacks)

    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        f"complaint-{letter_case.reference}-lender-{letter_case.lender_id}.pdf"
        in response["Content-Disposition"]
    )
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "违规催收行为的投诉" in text.replace("\n", "")


def test_the_borrower_edits_and_the_pdf_follows(
    client, letter_case, borrower, django_capture_on_commit_callbacks, tasks_run_here
):
    client.force_login(borrower)

    response = client.post(
        letter_url("regulators:letter_edit", letter_case), {"text": "尊敬的客服：我要投诉。"}
    )

    assert response.status_code == 302
    assert LetterDraft.objects.get().text.strip() == "尊敬的客服：我要投诉。"
    pdf = b"".join(get_pdf(client, letter_case, django_capture_on_commit_callbacks).streaming_content)
    assert "我要投诉" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "我要投诉" in client.get(letter_url("regulators:letter_text", letter_case)).content.decode()


def test_the_borrower_resets_an_edited_letter(client, letter_case, borrower):
    client.force_login(borrower)
    client.post(letter_url("regulators:letter_edit", letter_case), {"text": "草稿"})

    client.post(letter_url("regulators:letter_edit", letter_case), {"action": "reset"})

    assert not LetterDraft.objects.exists()


# --- Recording on the complaint page -------------------------------------------------------


def test_it_records_an_escalation_from_the_page(client, letter_case, borrower):
    client.force_login(borrower)
    today = timezone.localdate()

    response = client.post(
        reverse("regulators:escalation_record", args=[letter_case.reference]),
        {
            "target": f"lender-{letter_case.lender_id}",
            "channel": "app",
            "sent_on": today.isoformat(),
            "reference": "KF-2026",
        },
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#escalations")
    escalation = Escalation.objects.get()
    letter_case.refresh_from_db()
    assert escalation.reference == "KF-2026"
    assert escalation.due_at is not None
    assert letter_case.status == Status.WAITING_LENDER
    assert letter_case.next_due_at == escalation.due_at


def test_it_records_an_escalation_to_the_lender_of_record_and_the_platform_operator(
    client, letter_case, borrower
):
    operator = InstitutionFactory(name="闪电科技有限公司", licence_type="platform")
    letter_case.lender.operator = operator
    letter_case.lender.save()
    client.force_login(borrower)
    funder = letter_case.funding_institution

    page = client.get(letter_case.get_absolute_url()).content.decode()
    for target in (funder, operator):
        client.post(
            reverse("regulators:escalation_record", args=[letter_case.reference]),
            {
                "target": f"institution-{target.pk}",
                "channel": "post",
                "sent_on": timezone.localdate().isoformat(),
            },
        )

    assert f'value="institution-{funder.pk}"' in page and f'value="institution-{operator.pk}"' in page
    assert f'value="lender-{letter_case.lender_id}"' in page
    assert [e.institution for e in Escalation.objects.order_by("pk")] == [funder, operator]
    letter_case.refresh_from_db()
    assert letter_case.status == Status.WAITING_LENDER


def test_it_refuses_a_target_off_the_route(client, letter_case, borrower):
    other = LenderFactory(name="别的银行")
    client.force_login(borrower)

    client.post(
        reverse("regulators:escalation_record", args=[letter_case.reference]),
        {"target": f"lender-{other.pk}", "channel": "app", "sent_on": timezone.localdate().isoformat()},
    )

    assert not Escalation.objects.exists()


def test_it_rejects_get_on_actions(client, letter_case, borrower):
    client.force_login(borrower)

    assert (
        client.get(reverse("regulators:escalation_record", args=[letter_case.reference])).status_code == 405
    )


def test_it_records_an_answer_with_its_document(client, letter_case, borrower):
    escalation = record_lender(letter_case, borrower, days_ago=3)
    client.force_login(borrower)

    response = client.post(
        reverse("regulators:escalation_answer", args=[letter_case.reference, escalation.pk]),
        {
            "answered_on": timezone.localdate().isoformat(),
            "answer": "我司已停止第三方催收。",
            "satisfied": "no",
            "document": SimpleUploadedFile("答复.png", files.png()),
        },
    )

    assert response.status_code == 302
    escalation.refresh_from_db()
    letter_case.refresh_from_db()
    assert escalation.status == EscalationStatus.ANSWERED
    assert escalation.satisfied is False
    assert escalation.answer_document is not None
    assert escalation.answer_document.complaint_id == letter_case.pk
    assert escalation.answer_document.original_name == "答复.png"
    assert letter_case.next_due_at is None


def test_a_refused_answer_document_records_nothing(client, letter_case, borrower):
    escalation = record_lender(letter_case, borrower, days_ago=3)
    client.force_login(borrower)

    client.post(
        reverse("regulators:escalation_answer", args=[letter_case.reference, escalation.pk]),
        {
            "answered_on": timezone.localdate().isoformat(),
            "answer": "x",
            "document": SimpleUploadedFile("答复.png", b"<html><script>alert(1)</script></html>"),
        },
    )

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.SENT


def test_the_page_shows_escalations_and_highlights_a_late_one(client, letter_case, borrower):
    late = record_lender(letter_case, borrower, days_ago=40)
    client.force_login(borrower)

    page = client.get(letter_case.get_absolute_url()).content.decode()

    section = page[page.index('id="escalations"') :]
    assert f'id="escalation-{late.pk}"' in section
    assert "list-group-item-danger" in section
    assert late.due_at.astimezone(CST).strftime("%Y-%m-%d") in section
    assert (
        reverse("regulators:letter", args=[letter_case.reference, f"lender-{letter_case.lender_id}"])
        in section
    )
    assert 'id="escalation-form"' in section


def test_the_page_offers_no_form_to_a_closed_complaint(client, letter_case, borrower):
    letter_case.status = Status.CLOSED
    letter_case.save()
    client.force_login(borrower)

    page = client.get(letter_case.get_absolute_url()).content.decode()

    assert 'id="escalation-form"' not in page


def test_the_acknowledge_form_moves_a_posted_letters_deadline(client, letter_case, borrower):
    sent = datetime(2026, 11, 2, 10, 0, tzinfo=CST)
    escalation = escalation_record(
        complaint=letter_case,
        actor=borrower,
        lender=letter_case.lender,
        channel="post",
        sent_at=sent,
        now=sent,
    )
    client.force_login(borrower)

    with time_machine.travel(datetime(2026, 11, 6, 9, 0, tzinfo=CST), tick=False):
        client.post(
            reverse("regulators:escalation_acknowledge", args=[letter_case.reference, escalation.pk]),
            {"received_on": "2026-11-05", "reference": "EMS-1"},
        )

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED
    assert escalation.reference == "EMS-1"
    # 5 Nov + 15 days = Friday 20 Nov.
    assert escalation.due_at.astimezone(CST).date().isoformat() == "2026-11-20"
