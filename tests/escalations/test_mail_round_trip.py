"""The pieces of issue 16 together: a letter sent through the real send flow, and what
comes back for that very message (a reply, a reply to From, a bounce, an auto-reply),
fed to `manage.py receive_mail` as the .eml a lender's mail server would hand over.

No token or Message-ID is made by hand here: everything the "lender" answers is taken
from the message in the outbox, so a mismatch between sending and receiving shows.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, make_msgid

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from complaints.models import TimelineEvent
from escalations import letters
from escalations.models import Escalation, EscalationStatus, InboundMail
from escalations.services import escalation_record
from evidence.models import Evidence
from notifications.models import Kind, Reminder
from tests.escalations.conftest import CST
from tests.evidence.files import pdf

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=CST)
FUNDER_EMAIL = "tousu@funder.example.cn"
ADVOCATE_EMAIL = "bob@advocates.example.org"
ANSWER = "您好：经核查，我司已要求催收人员停止联系您的家人，并向您致歉。"


@pytest.fixture(autouse=True)
def _here(tasks_run_here):
    pass


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch):
    """WeasyPrint is tested in test_letter_pdfs.py; here the letter's PDF only has to exist."""
    monkeypatch.setattr(letters, "letter_pdf", lambda **kwargs: b"%PDF-1.4 test letter\n%%EOF\n")


@pytest.fixture(autouse=True)
def no_processing(monkeypatch):
    """Evidence is processed by a worker after commit (thumbnails); not what is tested here."""
    monkeypatch.setattr("evidence.services._enqueue_processing", lambda evidence_id: None)


@pytest.fixture
def case(letter_case, advocate):
    funder = letter_case.funding_institution
    funder.complaint_email = FUNDER_EMAIL
    funder.save()
    advocate.email = ADVOCATE_EMAIL
    advocate.save()
    letter_case.assignee = advocate
    letter_case.save()
    return letter_case


def send_url(complaint):
    return reverse("regulators:escalation_send", args=[complaint.reference, f"lender-{complaint.lender_id}"])


@pytest.fixture
def sent(client, case, borrower, django_capture_on_commit_callbacks):
    """The letter, sent as the borrower sends it: the page, the confirmation, the task."""
    client.force_login(borrower)
    digest = client.get(send_url(case)).context["preview"].digest
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(send_url(case), {"shown": digest, "confirm": "1"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0].message()
    # The platform's address in From; the reply address as the envelope sender, where
    # bounces and auto-responders answer.
    assert message["From"] == "noreply@localhost"
    assert mail.outbox[0].from_email == message["Reply-To"]
    message.envelope_sender = mail.outbox[0].from_email
    mail.outbox.clear()
    return message


def receive(tmp_path, raw: bytes, capture) -> InboundMail:
    path = tmp_path / "in.eml"
    path.write_bytes(raw)
    with capture(execute=True):
        call_command("receive_mail", str(path))
    return InboundMail.objects.order_by("-pk").first()


def lender_reply(sent, *, to: str, body: str = ANSWER, attachment: bytes | None = None, **headers) -> bytes:
    """A reply as a Chinese mail client writes it: GBK text, base64, a PDF attached."""
    msg = MIMEMultipart()
    msg["From"] = formataddr(("客服中心", FUNDER_EMAIL), charset="gbk")
    msg["To"] = to
    msg["Subject"] = "回复：" + str(sent["Subject"])
    msg["Message-ID"] = make_msgid(domain="funder.example.cn")
    msg["In-Reply-To"] = sent["Message-ID"]
    msg["References"] = sent["Message-ID"]
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.attach(MIMEText(body, "plain", "gbk"))
    if attachment is not None:
        part = MIMEApplication(attachment, "pdf")
        part.add_header("Content-Disposition", "attachment", filename="处理结果.pdf")
        msg.attach(part)
    return msg.as_bytes()


def bounce_of(sent, envelope_sender: str, *, returned: bool = True) -> bytes:
    """A delivery status notification as Postfix writes it to the letter's envelope
    sender, the sent headers returned (or, as some servers do, nothing of them)."""
    returned_headers = "".join(f"{name}: {value}\r\n" for name, value in sent.items()) if returned else ""
    return (
        "From: MAILER-DAEMON@mx.platform.example (Mail Delivery System)\r\n"
        f"To: {envelope_sender}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='mx.platform.example')}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"\r\n'
        "\r\n--DSN\r\nContent-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "\r\n--DSN\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.platform.example\r\n\r\n"
        f"Final-Recipient: rfc822; {FUNDER_EMAIL}\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{FUNDER_EMAIL}>: mailbox unavailable\r\n"
        "\r\n--DSN\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"{returned_headers}"
        "\r\n--DSN--\r\n"
    ).encode()


def inbox_titles(client, user) -> list[str]:
    client.force_login(user)
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200
    return [n.title for n in response.context["page"].object_list]


# --- A reply comes back ----------------------------------------------------------------


def test_a_reply_to_the_sent_letter_lands_in_its_case_and_both_people_hear_at_once(
    client, sent, case, borrower, advocate, tmp_path, django_capture_on_commit_callbacks
):
    escalation = Escalation.objects.get()
    document = pdf()
    # Some servers upper-case the whole address on the way back.
    to = str(sent["Reply-To"]).upper()

    inbound = receive(
        tmp_path, lender_reply(sent, to=to, attachment=document), django_capture_on_commit_callbacks
    )

    assert inbound.state == InboundMail.State.MATCHED, inbound.reason
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ANSWERED
    assert escalation.answer == ANSWER  # GBK read as GBK
    kept = Evidence.objects.get(complaint=case, original_name="处理结果.pdf")
    assert kept.sha256 == hashlib.sha256(document).hexdigest()
    assert escalation.answer_document == kept
    answers = TimelineEvent.objects.filter(complaint=case, kind=TimelineEvent.Kind.ANSWER)
    assert answers.count() == 1
    assert "处理结果.pdf" in answers.get().display_note
    # The case page shows the answer and the file.
    client.force_login(borrower)
    page = client.get(case.get_absolute_url()).content.decode()
    assert ANSWER in page
    assert "处理结果.pdf" in page
    # Told at once, without a sweep: once each, in the app and by email.
    assert inbox_titles(client, borrower) == [f"投诉 {case.reference} 收到了答复"]
    assert client.get(reverse("notifications:inbox")).context["unread_notifications"] == 1
    assert Reminder.objects.filter(recipient=borrower, kind=Kind.REPLY_RECEIVED).count() == 1
    assert Reminder.objects.filter(recipient=advocate, kind=Kind.REPLY_RECEIVED).count() == 1
    # One act, one notice each: not also "new evidence" for the attachment, nor a status.
    assert Reminder.objects.count() == 2
    assert [m.to for m in mail.outbox] == [[ADVOCATE_EMAIL]]
    assert mail.outbox[0].subject == f"投诉 {case.reference} 收到了答复"
    assert f"{case.get_absolute_url()}#escalations" in mail.outbox[0].body


def test_a_reply_to_from_is_matched_by_in_reply_to(
    sent, case, borrower, tmp_path, django_capture_on_commit_callbacks
):
    escalation = Escalation.objects.get()
    # The lender pressed "reply" on the From address, or typed its own To.
    raw = lender_reply(sent, to=str(sent["From"]))

    inbound = receive(tmp_path, raw, django_capture_on_commit_callbacks)

    assert inbound.state == InboundMail.State.MATCHED, inbound.reason
    assert inbound.escalation == escalation
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ANSWERED
    assert Reminder.objects.filter(recipient=borrower, kind=Kind.REPLY_RECEIVED).count() == 1


def test_the_same_reply_delivered_twice_is_told_once(
    sent, case, borrower, tmp_path, django_capture_on_commit_callbacks
):
    raw = lender_reply(sent, to=str(sent["Reply-To"]))

    receive(tmp_path, raw, django_capture_on_commit_callbacks)
    receive(tmp_path, raw, django_capture_on_commit_callbacks)

    assert InboundMail.objects.count() == 1
    assert Reminder.objects.filter(kind=Kind.REPLY_RECEIVED, recipient=borrower).count() == 1


# --- Bounces and auto-replies -----------------------------------------------------------


def test_a_bounce_of_the_sent_letter_marks_the_address_and_removes_the_send_button(
    client, sent, case, borrower, admin_user, tmp_path, django_capture_on_commit_callbacks
):
    inbound = receive(tmp_path, bounce_of(sent, sent.envelope_sender), django_capture_on_commit_callbacks)

    assert inbound.state == InboundMail.State.BOUNCE
    assert inbound.escalation == Escalation.objects.get()
    funder = case.funding_institution
    funder.refresh_from_db()
    assert funder.complaint_email_failing_since == NOW
    assert "550" in funder.complaint_email_failure
    assert Reminder.objects.filter(recipient=borrower, kind=Kind.MAIL_BOUNCED).count() == 1
    # The admins, who must check the address before the app uses it again, hear too.
    told_admin = Reminder.objects.get(recipient=admin_user, kind=Kind.MAIL_BOUNCED)
    assert told_admin.title == "投诉邮箱退信：闪电借"  # the letter's target; the queue shows the rest
    assert told_admin.link == reverse("admin:escalations_inboundmail_change", args=[inbound.pk])
    assert mail.outbox == []  # nobody told has an email address; nothing goes to the daemon
    # The letter never arrived: no clock runs for it, and the timeline says why.
    escalation = Escalation.objects.get()
    assert escalation.status == EscalationStatus.CLOSED
    case.refresh_from_db()
    assert case.next_due_at is None
    note = TimelineEvent.objects.filter(complaint=case).order_by("-pk").first().display_note
    assert "550 5.1.1" in note and "不计算答复期限" in note
    client.force_login(borrower)
    page = client.get(case.get_absolute_url()).content.decode()
    assert send_url(case) not in page
    assert client.get(send_url(case)).context["preview"].problem
    # Sent another way (the hotline), it is recorded: nothing waits from there any more.
    record = escalation_record(
        complaint=case, actor=borrower, lender=case.lender, channel="hotline", sent_at=NOW, now=NOW
    )
    assert record.status == EscalationStatus.SENT and record.due_at is not None


def test_a_bounce_returning_nothing_of_the_letter_finds_it_by_the_envelope_sender(
    sent, case, borrower, tmp_path, django_capture_on_commit_callbacks
):
    raw = bounce_of(sent, sent.envelope_sender, returned=False)

    inbound = receive(tmp_path, raw, django_capture_on_commit_callbacks)

    assert inbound.escalation == Escalation.objects.get()
    case.funding_institution.refresh_from_db()
    assert case.funding_institution.complaint_email_failing_since == NOW
    assert Reminder.objects.filter(recipient=borrower, kind=Kind.MAIL_BOUNCED).count() == 1


def test_a_bounce_after_an_auto_reply_leaves_the_letter_waiting(
    sent, case, tmp_path, django_capture_on_commit_callbacks
):
    # The mailbox confirmed receipt; a later report (a forwarding rule failing, or forged)
    # proves nothing about the letter, whose deadline keeps running.
    auto = lender_reply(sent, to=sent.envelope_sender, body="已收到。", Auto_Submitted="auto-replied")
    receive(tmp_path, auto, django_capture_on_commit_callbacks)

    receive(tmp_path, bounce_of(sent, sent.envelope_sender), django_capture_on_commit_callbacks)

    escalation = Escalation.objects.get()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED
    case.refresh_from_db()
    assert case.next_due_at == escalation.due_at


def test_an_auto_reply_acknowledges_and_nothing_is_sent_back(
    sent, case, borrower, advocate, tmp_path, django_capture_on_commit_callbacks
):
    raw = lender_reply(
        sent,
        to=str(sent["Reply-To"]),
        body="您的邮件已收到，我们将在15个工作日内处理。",
        Auto_Submitted="auto-replied",
    )

    inbound = receive(tmp_path, raw, django_capture_on_commit_callbacks)

    assert inbound.state == InboundMail.State.AUTO_REPLY
    escalation = Escalation.objects.get()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED
    assert escalation.answer == ""
    assert mail.outbox == []
    assert not Reminder.objects.filter(kind=Kind.REPLY_RECEIVED).exists()


def test_an_admin_correcting_the_bounced_address_lets_the_app_send_there_again(
    client, sent, case, borrower, admin_user, tmp_path, django_capture_on_commit_callbacks, rf
):
    from django.contrib import admin
    from django.forms.models import model_to_dict
    from django.utils import timezone

    from complaints.models import Institution

    receive(tmp_path, bounce_of(sent, sent.envelope_sender), django_capture_on_commit_callbacks)
    funder = Institution.objects.get(pk=case.funding_institution_id)
    model_admin = admin.site._registry[Institution]
    request = rf.post("/")
    request.user = admin_user
    data = {k: v for k, v in model_to_dict(funder).items() if v is not None}
    # As the change page posts it: the bounce's date and time as they were shown.
    since = timezone.localtime(data.pop("complaint_email_failing_since"))
    data["complaint_email_failing_since_0"] = f"{since:%Y-%m-%d}"
    data["complaint_email_failing_since_1"] = f"{since:%H:%M:%S}"
    data["complaint_email"] = "kefu@funder.example.cn"
    form = model_admin.get_form(request, funder)(data, instance=funder)
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, change=True)

    funder.refresh_from_db()
    assert funder.complaint_email_failing_since is None and funder.complaint_email_failure == ""
    # The route takes email again (the first letter itself still waits for its answer).
    client.force_login(borrower)
    assert client.get(send_url(case)).context["preview"].route.address == "kefu@funder.example.cn"
