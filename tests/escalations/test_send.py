"""Sending the letter from the app (issue 16): the email shown first, sent once after the
borrower confirms, recorded as an escalation whose clock starts when the mail has left;
the evidence package by a link that expires; and guided sending where there is no email."""

from __future__ import annotations

import re
import smtplib
import zipfile
from datetime import datetime, timedelta
from io import BytesIO

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from audit.models import Action, AuditEvent
from complaints.models import Status
from escalations import letters, sending
from escalations.models import Escalation, EscalationChannel, EscalationStatus, LetterEmail
from tests.escalations.conftest import CST, HASHES
from tests.factories import RegulatorFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=CST)
FUNDER_EMAIL = "tousu@funder.example.cn"


@pytest.fixture(autouse=True)
def _here(tasks_run_here):
    pass


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch):
    """WeasyPrint is tested in test_letter_pdfs.py; here a PDF only has to exist."""
    monkeypatch.setattr(letters, "letter_pdf", lambda **kwargs: b"%PDF-1.4 test letter\n%%EOF\n")


@pytest.fixture
def emailable(letter_case):
    funder = letter_case.funding_institution
    funder.complaint_email = FUNDER_EMAIL
    funder.save()
    return letter_case


def send_url(complaint, key=None):
    return reverse("regulators:escalation_send", args=[complaint.reference, key or lender_key(complaint)])


def lender_key(complaint):
    return f"lender-{complaint.lender_id}"


def shown(client, complaint, key=None, **choices):
    """The digest the confirmation page carries, as a browser would post it back."""
    response = client.get(send_url(complaint, key))
    assert response.status_code == 200
    return response.context["preview"].digest


def confirm(client, complaint, key=None, **choices):
    data = {"shown": shown(client, complaint, key), "confirm": "1"}
    data.update({name: "on" for name, on in choices.items() if on})
    return client.post(send_url(complaint, key), data)


# --- The confirmation page ------------------------------------------------------------------


def test_it_shows_the_email_before_anything_is_sent(client, emailable, borrower):
    client.force_login(borrower)

    response = client.get(send_url(emailable))

    page = response.content.decode()
    assert response.status_code == 200
    assert FUNDER_EMAIL in page
    assert "13911112222" not in page  # the number is off until the borrower ticks it
    assert HASHES[0] in page
    assert ".pdf" in page
    assert response["Cache-Control"] == "private, no-store"
    assert mail.outbox == []
    assert not Escalation.objects.exists()


def test_a_post_without_confirmation_sends_nothing(client, emailable, borrower):
    client.force_login(borrower)
    digest = shown(client, emailable)

    response = client.post(send_url(emailable), {"shown": digest, "include_phone": "on"})

    assert response.status_code == 200
    assert response.context["notice"]
    # The page now shows the number the borrower ticked, and still sends nothing.
    assert "13911112222" in response.context["preview"].text
    assert mail.outbox == []
    assert not Escalation.objects.exists()


# --- Sending --------------------------------------------------------------------------------


def test_it_sends_the_letter_and_starts_the_clock(
    client, emailable, borrower, django_capture_on_commit_callbacks
):
    client.force_login(borrower)

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, emailable)

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    escalation = Escalation.objects.get()
    assert message.to == [FUNDER_EMAIL]
    token = escalation.reply_token
    assert re.fullmatch(r"[0-9a-f]{40}", token)  # 160 random bits
    assert message.reply_to == [f"reply+{token}@localhost"]
    assert message.extra_headers["Message-ID"] == escalation.message_id
    assert escalation.message_id.startswith("<") and escalation.message_id.endswith("@localhost>")
    names = [name for name, _content, _type in message.attachments]
    assert f"complaint-{emailable.reference}-{lender_key(emailable)}.pdf" in names
    pdf = next(content for name, content, _type in message.attachments if name.endswith(".pdf"))
    assert pdf.startswith(b"%PDF")
    assert HASHES[0] in message.body and HASHES[1] in message.body
    assert "13911112222" not in message.body
    assert emailable.reference in message.subject
    assert escalation.status == EscalationStatus.SENT
    assert escalation.channel == EscalationChannel.EMAIL
    assert escalation.sent_at == NOW
    assert escalation.due_at is not None and escalation.due_at > NOW
    assert escalation.lender_id == emailable.lender_id
    emailable.refresh_from_db()
    assert emailable.status == Status.WAITING_LENDER
    assert emailable.next_due_at == escalation.due_at
    assert LetterEmail.objects.get().state == LetterEmail.State.SENT


def test_the_message_id_is_the_one_sent(client, emailable, borrower, django_capture_on_commit_callbacks):
    client.force_login(borrower)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, emailable)

    sent = mail.outbox[0].message()

    assert sent["Message-ID"] == Escalation.objects.get().message_id


def test_it_includes_the_number_only_when_the_borrower_agreed(
    client, emailable, borrower, django_capture_on_commit_callbacks
):
    client.force_login(borrower)

    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, emailable, include_phone=True)

    assert "联系电话：13911112222" in mail.outbox[0].body
    assert LetterEmail.objects.get().include_phone is True


def test_each_escalation_gets_its_own_reply_token(
    client, emailable, borrower, django_capture_on_commit_callbacks
):
    regulator = RegulatorFactory(kind="nfra", email="xf@nfra.example.cn", deadline_days=30)
    client.force_login(borrower)

    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, emailable)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, emailable, key=f"regulator-{regulator.pk}")

    tokens = set(Escalation.objects.values_list("reply_token", flat=True))
    assert len(tokens) == 2
    assert {m.reply_to[0] for m in mail.outbox} == {f"reply+{t}@localhost" for t in tokens}
    assert mail.outbox[1].to == ["xf@nfra.example.cn"]


def test_a_double_post_sends_one_email(client, emailable, borrower, django_capture_on_commit_callbacks):
    client.force_login(borrower)
    digest = shown(client, emailable)

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(send_url(emailable), {"shown": digest, "confirm": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(send_url(emailable), {"shown": digest, "confirm": "1"})

    assert first.status_code == 302
    assert second.status_code == 400
    assert len(mail.outbox) == 1
    assert Escalation.objects.count() == 1


def test_a_second_confirmation_while_queued_is_refused(
    client, emailable, borrower, django_capture_on_commit_callbacks
):
    client.force_login(borrower)
    digest = shown(client, emailable)

    # The worker has not run yet: the first sending is still queued.
    client.post(send_url(emailable), {"shown": digest, "confirm": "1"})
    second = client.post(send_url(emailable), {"shown": digest, "confirm": "1"})

    assert second.status_code == 400
    assert LetterEmail.objects.count() == 1
    assert mail.outbox == []


def test_running_the_task_twice_sends_once(client, emailable, borrower):
    client.force_login(borrower)
    confirm(client, emailable)  # queued; the on-commit enqueue is not run in this test
    email = LetterEmail.objects.get()

    first = sending.letter_email_deliver(letter_email_id=email.pk, now=NOW)
    second = sending.letter_email_deliver(letter_email_id=email.pk, now=NOW)

    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1
    escalation = Escalation.objects.get()
    assert escalation.status == EscalationStatus.SENT


def test_it_refuses_a_letter_changed_since_it_was_shown(client, emailable, borrower):
    client.force_login(borrower)
    digest = shown(client, emailable)
    letters.letter_draft_save(
        complaint=emailable,
        target=letters.LetterTarget(lender=emailable.lender),
        actor=borrower,
        text="改过的信。",
        now=NOW,
    )

    response = client.post(send_url(emailable), {"shown": digest, "confirm": "1"})

    assert response.status_code == 400
    assert not Escalation.objects.exists()
    assert response.context["preview"].text.startswith("改过的信")


# --- Who may send ---------------------------------------------------------------------------


def test_it_hides_the_page_from_another_borrower(client, emailable, other_borrower):
    client.force_login(other_borrower)

    assert client.get(send_url(emailable)).status_code == 404
    assert client.post(send_url(emailable), {"confirm": "1"}).status_code == 404
    assert not Escalation.objects.exists()


def test_an_advocate_cannot_send_in_the_borrowers_name(client, emailable, advocate):
    client.force_login(advocate)

    get = client.get(send_url(emailable))
    post = client.post(send_url(emailable), {"confirm": "1"})
    letter = client.get(reverse("regulators:letter", args=[emailable.reference, lender_key(emailable)]))

    assert get.status_code == 404 and post.status_code == 404
    assert letter.status_code == 200
    assert "send-from-app" not in letter.content.decode()
    assert mail.outbox == []


def test_it_cannot_send_a_closed_complaint(client, emailable, borrower):
    emailable.status = Status.CLOSED
    emailable.save()
    client.force_login(borrower)

    assert client.get(send_url(emailable)).status_code == 404


# --- Targets without email ------------------------------------------------------------------


def test_a_target_without_email_gets_no_send_button_and_the_post_is_refused(client, letter_case, borrower):
    regulator = RegulatorFactory(kind="nfra", email="", website="https://www.example.cn/12378")
    key = f"regulator-{regulator.pk}"
    client.force_login(borrower)

    page = client.get(send_url(letter_case, key))
    post = client.post(send_url(letter_case, key), {"confirm": "1"})
    letter = client.get(reverse("regulators:letter", args=[letter_case.reference, key]))

    assert page.status_code == 200
    assert 'name="confirm"' not in page.content.decode()
    assert reverse("regulators:letter_guide", args=[letter_case.reference, key]) in page.content.decode()
    assert post.status_code == 400
    assert "send-from-app" not in letter.content.decode()
    assert not Escalation.objects.exists()
    assert mail.outbox == []


def test_a_bouncing_address_is_not_used(client, emailable, borrower):
    funder = emailable.funding_institution
    funder.complaint_email_failing_since = NOW - timedelta(days=1)
    funder.save()
    client.force_login(borrower)

    response = client.post(send_url(emailable), {"confirm": "1"})

    assert response.status_code == 400
    assert mail.outbox == []


# --- SMTP failures --------------------------------------------------------------------------


@pytest.fixture
def smtp_down(monkeypatch):
    """The mail server drops every connection while `state["down"]` is true."""
    from django.core.mail.backends.locmem import EmailBackend

    state = {"down": True}
    real = EmailBackend.send_messages

    def flaky(self, messages):
        if state["down"]:
            raise smtplib.SMTPServerDisconnected("connection lost")
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    return state


def fail_for_good(client, complaint):
    """Confirm, then run the task's attempts as the worker would, each one refused."""
    confirm(client, complaint)  # queued; the attempts are run here, one by one
    email = LetterEmail.objects.get()
    for _attempt in range(sending.MAX_SEND_ATTEMPTS - 1):
        with pytest.raises(sending.LetterEmailRetry):
            sending.letter_email_deliver(letter_email_id=email.pk, now=NOW)
    assert sending.letter_email_deliver(letter_email_id=email.pk, now=NOW) is False
    email.refresh_from_db()
    return email


def test_a_failure_after_the_retries_shows_on_the_complaint_page(client, emailable, borrower, smtp_down):
    client.force_login(borrower)

    email = fail_for_good(client, emailable)

    escalation = email.escalation
    assert email.state == LetterEmail.State.FAILED
    assert email.attempts == sending.MAX_SEND_ATTEMPTS
    assert "connection lost" in email.error
    assert escalation.status == EscalationStatus.DRAFTED and escalation.sent_at is None
    assert mail.outbox == []
    page = client.get(emailable.get_absolute_url())
    html = page.content.decode()
    assert page.context["next_step"].kind == "send_failed"
    assert reverse("regulators:escalation_send_retry", args=[emailable.reference, escalation.pk]) in html
    assert reverse("regulators:letter_guide", args=[emailable.reference, lender_key(emailable)]) in html


def test_a_refused_address_fails_at_once(client, emailable, borrower, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({FUNDER_EMAIL: (550, b"no such user")})

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    client.force_login(borrower)
    confirm(client, emailable)
    email = LetterEmail.objects.get()

    assert sending.letter_email_deliver(letter_email_id=email.pk, now=NOW) is False

    email.refresh_from_db()
    assert email.state == LetterEmail.State.FAILED and email.attempts == 1


def test_the_borrower_tries_again_and_it_goes(
    client, emailable, borrower, smtp_down, django_capture_on_commit_callbacks
):
    client.force_login(borrower)
    escalation = fail_for_good(client, emailable).escalation
    smtp_down["down"] = False

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("regulators:escalation_send_retry", args=[emailable.reference, escalation.pk])
        )

    escalation.refresh_from_db()
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert escalation.status == EscalationStatus.SENT


def test_another_borrower_cannot_retry(client, emailable, borrower, other_borrower, smtp_down):
    client.force_login(borrower)
    escalation = fail_for_good(client, emailable).escalation
    client.force_login(other_borrower)

    response = client.post(
        reverse("regulators:escalation_send_retry", args=[emailable.reference, escalation.pk])
    )

    assert response.status_code == 404
    assert LetterEmail.objects.get().state == LetterEmail.State.FAILED


def test_a_failed_email_can_be_recorded_as_sent_another_way(client, emailable, borrower, smtp_down):
    client.force_login(borrower)
    escalation = fail_for_good(client, emailable).escalation

    client.post(
        reverse("regulators:escalation_sent", args=[emailable.reference, escalation.pk]),
        {"sent_on": "2026-11-28", "channel": "hotline", "reference": "KF-9"},
    )

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.SENT
    assert escalation.channel == EscalationChannel.HOTLINE


# --- The evidence package -------------------------------------------------------------------


@override_settings(ESCALATION_ATTACH_PACKAGE_MAX_BYTES=0, SITE_URL="https://example.test")
def test_a_large_package_goes_as_a_link_that_expires(
    client, emailable, borrower, django_capture_on_commit_callbacks
):
    client.force_login(borrower)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, emailable)
    body = mail.outbox[0].body
    url = re.search(r"https://example\.test(/evidence/shared/\S+)", body)[1]
    assert not any(name.endswith(".zip") for name, _c, _t in mail.outbox[0].attachments)
    client.logout()

    response = client.get(url)
    archive = zipfile.ZipFile(BytesIO(b"".join(response.streaming_content)))

    assert response.status_code == 200
    assert "manifest.csv" in archive.namelist()
    assert response["Referrer-Policy"] == "no-referrer"
    assert AuditEvent.objects.filter(action=Action.DOWNLOAD_PACKAGE, complaint=emailable).exists()
    with time_machine.travel(NOW + timedelta(days=46), tick=False):
        assert client.get(url).status_code == 404
    token = url.split("/")[-2]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(url.replace(token, tampered)).status_code == 404
    assert client.get(url.replace(token, "x" + token)).status_code == 404


def test_a_small_package_goes_attached(client, emailable, borrower, django_capture_on_commit_callbacks):
    client.force_login(borrower)

    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, emailable)

    names = [name for name, _c, _t in mail.outbox[0].attachments]
    assert f"evidence-{emailable.reference}.zip" in names
    assert "/evidence/shared/" not in mail.outbox[0].body


# --- The complaint page -----------------------------------------------------------------------


def test_the_next_step_offers_sending_from_the_app(client, emailable, borrower):
    client.force_login(borrower)

    page = client.get(emailable.get_absolute_url())

    step = page.context["next_step"]
    assert step.kind == "send"
    assert step.button_url == send_url(emailable)
    assert step.guide_url == reverse(
        "regulators:letter_guide", args=[emailable.reference, lender_key(emailable)]
    )


def test_the_page_says_it_is_being_sent_until_it_has_left(client, emailable, borrower):
    client.force_login(borrower)
    confirm(client, emailable)  # queued, the worker has not run

    page = client.get(emailable.get_absolute_url())

    assert page.context["next_step"].kind == "sending"
    assert mail.outbox == []


# --- Guided sending ---------------------------------------------------------------------------


@pytest.fixture
def web_form_regulator(letter_case):
    return RegulatorFactory(
        kind="nfra", email="", hotline="12378", website="https://www.example.cn/12378", deadline_days=30
    )


def guide_url(complaint, regulator):
    return reverse("regulators:letter_guide", args=[complaint.reference, f"regulator-{regulator.pk}"])


def test_the_guide_says_where_to_go_and_offers_the_letter(client, letter_case, borrower, web_form_regulator):
    client.force_login(borrower)

    response = client.get(guide_url(letter_case, web_form_regulator))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'href="tel:12378"' in page
    assert 'href="https://www.example.cn/12378"' in page
    assert 'id="letter-text"' in page and "readonly" in page
    assert "copy-letter.js" in page
    assert HASHES[0] in page


def test_i_have_sent_it_records_the_escalation(client, letter_case, borrower, web_form_regulator):
    client.force_login(borrower)

    response = client.post(
        guide_url(letter_case, web_form_regulator),
        {"sent_on": "2026-11-27", "channel": "online", "reference": "12378-0001"},
    )

    escalation = Escalation.objects.get()
    assert response.status_code == 302
    assert escalation.regulator == web_form_regulator
    assert escalation.status == EscalationStatus.SENT
    assert escalation.reference == "12378-0001"
    assert escalation.channel == EscalationChannel.ONLINE
    assert escalation.due_at is not None


@pytest.mark.parametrize("day", ["2026-12-25", "1999-12-31"])
def test_i_have_sent_it_refuses_impossible_dates(client, letter_case, borrower, web_form_regulator, day):
    client.force_login(borrower)

    response = client.post(guide_url(letter_case, web_form_regulator), {"sent_on": day, "channel": "online"})

    assert response.status_code == 400
    assert not Escalation.objects.exists()


def test_the_guide_is_hidden_from_another_borrower(client, letter_case, other_borrower, web_form_regulator):
    client.force_login(other_borrower)

    assert client.get(guide_url(letter_case, web_form_regulator)).status_code == 404
    assert (
        client.post(
            guide_url(letter_case, web_form_regulator), {"sent_on": "2026-11-27", "channel": "online"}
        ).status_code
        == 404
    )


# --- The borrower's contact details -----------------------------------------------------------


def test_the_number_is_taken_out_wherever_it_is_unless_agreed(letter_case, borrower):
    borrower.email = "alice@example.cn"
    borrower.save()
    text = "投诉人：Alice\n联系电话：13911112222\n请打13911112222或写信到alice@example.cn。\n"

    withheld = sending.outgoing_text(
        complaint=letter_case, text=text, include_phone=False, include_email=False
    )
    agreed = sending.outgoing_text(complaint=letter_case, text=text, include_phone=True, include_email=True)

    assert "13911112222" not in withheld and "alice@example.cn" not in withheld
    assert sending.PHONE_WITHHELD in withheld
    assert "联系电话：13911112222\n电子邮箱：alice@example.cn" in agreed


def test_the_guide_fills_in_today_in_a_date_inputs_format(client, letter_case, borrower, web_form_regulator):
    client.force_login(borrower)

    page = client.get(guide_url(letter_case, web_form_regulator)).content.decode()

    assert 'value="2026-11-28"' in page


def test_the_confirm_field_alone_sends_the_letter_as_it_is(
    client, emailable, borrower, django_capture_on_commit_callbacks
):
    client.force_login(borrower)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(send_url(emailable), {"confirm": "1"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert Escalation.objects.get().status == EscalationStatus.SENT


def test_the_letter_page_offers_sending_to_the_filer(client, emailable, borrower):
    client.force_login(borrower)

    page = client.get(reverse("regulators:letter", args=[emailable.reference, lender_key(emailable)]))

    assert send_url(emailable) in page.content.decode()


def test_a_letter_whose_message_was_lost_is_sent_by_the_sweep(
    client, emailable, borrower, django_capture_on_commit_callbacks
):
    client.force_login(borrower)
    confirm(client, emailable)  # the on-commit enqueue never ran: as if the broker was down
    later = NOW + sending.REQUEUE_AFTER + timedelta(minutes=1)

    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        before = sending.letter_emails_requeue(now=NOW)  # too early: it may still be on its way
        first = sending.letter_emails_requeue(now=later)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        second = sending.letter_emails_requeue(now=later)

    assert (before, first, second) == (0, 1, 0)
    assert len(mail.outbox) == 1
    assert Escalation.objects.get().status == EscalationStatus.SENT


def test_the_brand_and_its_lender_of_record_get_one_email(
    client, emailable, borrower, django_capture_on_commit_callbacks
):
    client.force_login(borrower)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, emailable)

    second = client.post(
        send_url(emailable, f"institution-{emailable.funding_institution_id}"), {"confirm": "1"}
    )

    assert second.status_code == 400
    assert len(mail.outbox) == 1


def test_a_sending_whose_worker_died_can_be_tried_again_later(client, emailable, borrower):
    client.force_login(borrower)
    confirm(client, emailable)
    email = LetterEmail.objects.get()
    # The worker claimed it and died: it may or may not have left.
    LetterEmail.objects.filter(pk=email.pk).update(state=LetterEmail.State.SENDING, claimed_at=NOW)
    retry = reverse("regulators:escalation_send_retry", args=[emailable.reference, email.escalation_id])

    too_soon = client.post(retry)
    assert LetterEmail.objects.get().state == LetterEmail.State.SENDING  # too soon: not queued again
    with time_machine.travel(NOW + sending.STALE_CLAIM + timedelta(minutes=1), tick=False):
        page = client.get(emailable.get_absolute_url())
        later = client.post(retry)

    assert too_soon.status_code == 302
    assert page.context["next_step"].kind == "send_failed"
    assert later.status_code == 302
    email.refresh_from_db()
    assert email.state == LetterEmail.State.QUEUED  # its task was queued on commit


def test_submitting_says_that_nothing_was_sent_yet(client, borrower):
    from tests.complaints.test_filing import filing, incident
    from tests.factories import LenderFactory

    LenderFactory(name="小赢卡贷")
    client.force_login(borrower)

    response = client.post(reverse("complaints:create"), filing(incident(0)), follow=True)

    page = response.content.decode()
    assert "已提交到本平台" in page
    assert "投诉还没有发给贷款方" in page


def test_evidence_added_after_the_page_was_shown_stops_the_send(client, emailable, borrower):
    """The borrower agrees to hand over the files listed: one added in another tab since
    would go unseen, so the send is refused and the page shows the new list."""
    from tests.escalations.conftest import add_evidence

    client.force_login(borrower)
    digest = shown(client, emailable)
    add_evidence(emailable, "新的录音.png", "c3" * 32, created=NOW - timedelta(minutes=1))

    response = client.post(send_url(emailable), {"shown": digest, "confirm": "1"})

    assert response.status_code == 400
    assert not Escalation.objects.exists()
    assert "新的录音.png" in [row["name"] for row in response.context["preview"].evidence]
    fresh = response.context["preview"].digest
    assert fresh != digest
    assert client.post(send_url(emailable), {"shown": fresh, "confirm": "1"}).status_code == 302
