"""Letter PDFs: rendered by the worker once per version of the letter, never in the request."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.urls import reverse
from pypdf import PdfReader

from escalations import letters, pdfs, tasks
from escalations.models import LetterPdf
from tests.escalations.conftest import CST
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=CST)


@pytest.fixture(autouse=True)
def _tasks_here(tasks_run_here):
    pass


@pytest.fixture(autouse=True)
def _frozen():
    # The generated letter carries today's date: one clock, one version.
    with time_machine.travel(NOW, tick=False):
        yield


def pdf_url(complaint):
    return reverse("regulators:letter_pdf", args=[complaint.reference, f"lender-{complaint.lender_id}"])


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def pdf_text(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def renders(monkeypatch):
    """Counts WeasyPrint runs; the real renderer still runs."""
    calls = []
    real = letters.letter_pdf

    def counting(**kwargs):
        calls.append(kwargs["text"])
        return real(**kwargs)

    monkeypatch.setattr(letters, "letter_pdf", counting)
    return calls


@pytest.fixture
def broken_renderer(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("pango exploded")

    monkeypatch.setattr(letters, "letter_pdf", broken)


def test_the_request_only_queues_the_render(
    client, letter_case, borrower, renders, django_capture_on_commit_callbacks
):
    client.force_login(borrower)

    with django_capture_on_commit_callbacks() as queued:
        response = client.get(pdf_url(letter_case))

    page = response.content.decode()
    assert response.status_code == 200
    assert "正在生成 PDF" in page
    # It refreshes itself without script (the CSP allows none inline), and says no-store.
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "<script>" not in page
    assert response["Cache-Control"] == "private, no-store"
    assert (
        reverse("regulators:letter", args=[letter_case.reference, f"lender-{letter_case.lender_id}"]) in page
    )
    assert renders == []
    assert len(queued) == 1
    pdf = LetterPdf.objects.get()
    assert pdf.state == LetterPdf.State.PENDING and not pdf.file


def test_the_task_renders_a_real_pdf(client, letter_case, borrower, django_capture_on_commit_callbacks):
    client.force_login(borrower)
    with django_capture_on_commit_callbacks() as queued:
        client.get(pdf_url(letter_case))

    queued[0]()  # the on-commit callback: the task, run eagerly

    pdf = LetterPdf.objects.get()
    assert pdf.state == LetterPdf.State.READY
    assert pdf.text == ""  # the file holds the words now
    with pdf.file.open("rb") as f:
        data = f.read()
    assert data.startswith(b"%PDF")
    assert "说要来家里找我" in pdf_text(data)


def test_a_refresh_queues_nothing_more(client, letter_case, borrower, django_capture_on_commit_callbacks):
    client.force_login(borrower)
    with django_capture_on_commit_callbacks():
        client.get(pdf_url(letter_case))

    with django_capture_on_commit_callbacks() as queued:
        response = client.get(pdf_url(letter_case))

    assert "正在生成 PDF" in response.content.decode()
    assert queued == []
    assert LetterPdf.objects.count() == 1


def test_a_lost_message_is_sent_again_once(client, letter_case, borrower, django_capture_on_commit_callbacks):
    client.force_login(borrower)
    with django_capture_on_commit_callbacks():
        client.get(pdf_url(letter_case))

    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        with django_capture_on_commit_callbacks() as first:
            client.get(pdf_url(letter_case))
        with django_capture_on_commit_callbacks() as second:
            client.get(pdf_url(letter_case))

    assert len(first) == 1
    assert second == []


def test_the_second_request_serves_the_stored_file_without_rendering(
    client, letter_case, borrower, renders, django_capture_on_commit_callbacks
):
    client.force_login(borrower)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(pdf_url(letter_case))

    with django_capture_on_commit_callbacks() as queued:
        response = client.get(pdf_url(letter_case))
        again = client.get(pdf_url(letter_case))

    assert response["Content-Type"] == "application/pdf"
    assert content(response).startswith(b"%PDF")
    assert content(again).startswith(b"%PDF")
    assert len(renders) == 1
    assert queued == []


def test_running_the_task_twice_renders_once(letter_case, lender_target, borrower, renders):
    text = letters.letter_for(complaint=letter_case, target=lender_target, viewer=borrower, now=NOW).text
    pdf = pdfs.letter_pdf_request(complaint=letter_case, target=lender_target, text=text, now=NOW)

    tasks.render_letter_pdf(pdf.pk)
    tasks.render_letter_pdf(pdf.pk)

    assert len(renders) == 1
    pdf.refresh_from_db()
    assert pdf.state == LetterPdf.State.READY and pdf.attempts == 1


def test_an_edit_makes_a_new_pdf_and_removes_the_old_one(
    client, letter_case, borrower, django_capture_on_commit_callbacks
):
    client.force_login(borrower)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(pdf_url(letter_case))
    old = LetterPdf.objects.get()
    storage = old.file.storage
    assert storage.exists(old.file.name)

    edit = reverse("regulators:letter_edit", args=[letter_case.reference, f"lender-{letter_case.lender_id}"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(edit, {"text": "尊敬的客服：这是我改过的信。"})
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(pdf_url(letter_case))
    response = client.get(pdf_url(letter_case))

    assert "正在生成 PDF" in first.content.decode()
    assert not LetterPdf.objects.filter(pk=old.pk).exists()
    assert not storage.exists(old.file.name)
    new = LetterPdf.objects.get()
    assert new.digest != old.digest
    assert "这是我改过的信" in pdf_text(content(response))


def test_a_new_incident_is_a_new_version(client, letter_case, borrower, django_capture_on_commit_callbacks):
    client.force_login(borrower)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(pdf_url(letter_case))

    IncidentFactory(complaint=letter_case, description="又打电话到我单位")
    with django_capture_on_commit_callbacks() as queued:
        response = client.get(pdf_url(letter_case))

    assert "正在生成 PDF" in response.content.decode()
    assert len(queued) == 1
    assert LetterPdf.objects.count() == 2


def test_a_stranger_gets_404_even_for_a_ready_pdf(
    client, letter_case, borrower, other_borrower, django_capture_on_commit_callbacks
):
    client.force_login(borrower)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(pdf_url(letter_case))
    client.force_login(other_borrower)

    assert client.get(pdf_url(letter_case)).status_code == 404


def test_an_advocate_gets_their_own_masked_pdf(
    client, letter_case, borrower, advocate, django_capture_on_commit_callbacks
):
    client.force_login(borrower)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(pdf_url(letter_case))
    client.force_login(advocate)

    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(pdf_url(letter_case))
    text = pdf_text(content(client.get(pdf_url(letter_case))))

    # The filer's PDF, with their full number, is never the one served to anyone else.
    assert "正在生成 PDF" in first.content.decode()
    assert LetterPdf.objects.count() == 2
    assert "13911112222" not in text and "139****2222" in text


def test_a_failing_render_retries_then_says_so(client, letter_case, lender_target, borrower, broken_renderer):
    text = letters.letter_for(complaint=letter_case, target=lender_target, viewer=borrower, now=NOW).text
    pdf = pdfs.letter_pdf_request(complaint=letter_case, target=lender_target, text=text, now=NOW)

    for _attempt in range(pdfs.MAX_ATTEMPTS - 1):
        with pytest.raises(pdfs.LetterPdfRetry):
            pdfs.letter_pdf_render(letter_pdf_id=pdf.pk, now=NOW)
    pdfs.letter_pdf_render(letter_pdf_id=pdf.pk, now=NOW)

    pdf.refresh_from_db()
    assert pdf.state == LetterPdf.State.FAILED
    assert "pango exploded" in pdf.error
    client.force_login(borrower)
    page = client.get(pdf_url(letter_case)).content.decode()
    assert "无法生成 PDF" in page
    assert 'http-equiv="refresh"' not in page
    assert reverse("regulators:letter", args=[letter_case.reference, lender_target.key]) in page
    assert reverse("regulators:letter_text", args=[letter_case.reference, lender_target.key]) in page


def test_the_task_retries_with_a_backoff_and_a_time_limit():
    task = tasks.render_letter_pdf

    assert task.autoretry_for == (pdfs.LetterPdfRetry,)
    assert task.max_retries == pdfs.MAX_ATTEMPTS - 1
    assert task.retry_backoff
    assert task.soft_time_limit == tasks.RENDER_SOFT_TIME_LIMIT < task.time_limit


def test_the_eager_task_gives_up_after_its_retries(letter_case, lender_target, borrower, broken_renderer):
    from config.celery import app

    pdf = pdfs.letter_pdf_request(complaint=letter_case, target=lender_target, text="信", now=NOW)

    # Eager retries run in line only when failures are not raised at once.
    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    try:
        # As a worker runs it: each failure retried (eagerly here, without the back-off).
        tasks.render_letter_pdf.apply(args=[pdf.pk])
    finally:
        app.conf.task_eager_propagates = saved

    pdf.refresh_from_db()
    assert pdf.state == LetterPdf.State.FAILED
    assert pdf.attempts == pdfs.MAX_ATTEMPTS


def test_a_render_out_of_time_is_not_tried_again(letter_case, lender_target, monkeypatch):
    def slow(**kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(letters, "letter_pdf", slow)
    pdf = pdfs.letter_pdf_request(complaint=letter_case, target=lender_target, text="信", now=NOW)

    pdfs.letter_pdf_render(letter_pdf_id=pdf.pk, now=NOW)

    pdf.refresh_from_db()
    assert pdf.state == LetterPdf.State.FAILED and pdf.attempts == 1


def test_a_letter_too_long_for_a_pdf_is_told_so(
    client, letter_case, borrower, django_capture_on_commit_callbacks
):
    for _i in range(5):
        IncidentFactory(complaint=letter_case, description="骚" * 5000)
    client.force_login(borrower)

    with django_capture_on_commit_callbacks() as queued:
        response = client.get(pdf_url(letter_case))

    page = response.content.decode()
    assert response.status_code == 200
    assert "太长，无法生成 PDF" in page
    assert f"最多 {letters.MAX_LETTER_CHARS} 个字" in page
    assert (
        reverse("regulators:letter_edit", args=[letter_case.reference, f"lender-{letter_case.lender_id}"])
        in page
    )
    assert queued == []
    assert not LetterPdf.objects.exists()


def test_a_lost_file_is_rendered_again(client, letter_case, borrower, django_capture_on_commit_callbacks):
    client.force_login(borrower)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(pdf_url(letter_case))
    pdf = LetterPdf.objects.get()
    pdf.file.storage.delete(pdf.file.name)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(pdf_url(letter_case))
    again = client.get(pdf_url(letter_case))

    assert "正在生成 PDF" in response.content.decode()
    assert content(again).startswith(b"%PDF")


def test_old_versions_are_pruned(letter_case, lender_target):
    for i in range(pdfs.KEEP_VERSIONS + 2):
        pdf = pdfs.letter_pdf_request(
            complaint=letter_case, target=lender_target, text=f"第{i}版", now=NOW + timedelta(minutes=i)
        )
        pdfs.letter_pdf_render(letter_pdf_id=pdf.pk, now=NOW)

    kept = LetterPdf.objects.order_by("created")
    assert kept.count() == pdfs.KEEP_VERSIONS
    assert kept.last().pk == pdf.pk


def test_the_edit_form_refuses_a_letter_too_long_and_keeps_it(client, letter_case, borrower):
    client.force_login(borrower)
    typed = "长" * (letters.MAX_LETTER_CHARS + 1)
    edit = reverse("regulators:letter_edit", args=[letter_case.reference, f"lender-{letter_case.lender_id}"])

    response = client.post(edit, {"text": typed})

    page = response.content.decode()
    assert response.status_code == 200
    assert f"投诉信最多 {letters.MAX_LETTER_CHARS} 个字，这封有 {len(typed)} 个字" in page
    assert typed in page
    assert "maxlength" not in page  # the browser must not cut a long paste silently
    assert not letter_case.letter_drafts.exists()
