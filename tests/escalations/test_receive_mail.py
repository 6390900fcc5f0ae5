"""Replies come back into the case (issue 16): `manage.py receive_mail` with real .eml bytes.

Every message here is built as bytes the way a mail server would hand it over: with
email.message.EmailMessage where the library can write it, by hand where the point is
that it is broken or hostile.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import zipfile
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from complaints.hooks import Activity
from complaints.models import Status, TimelineEvent
from escalations import inbound
from escalations.mailparse import decode_bytes, decode_header_text, html_to_text
from escalations.models import Escalation, EscalationStatus, InboundMail
from evidence.models import Evidence
from tests.evidence.files import jpeg, pdf
from tests.factories import ComplaintFactory, InstitutionFactory, LenderFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reply_domain")]

DOMAIN = "mail.example.org"
# As sending.new_reply_token makes them: 40 lowercase hex digits.
TOKEN_A = "3f9c0a1be27d45c68a0f1e2d3c4b5a6978877665"
TOKEN_B = "c0ffee00112233445566778899aabbccddeeff01"
LETTER_A = "<170.1.1@mail.example.org>"
LETTER_B = "<170.2.2@mail.example.org>"
LENDER_ADDRESS = "complaints@lender.example"


@pytest.fixture
def reply_domain():
    with override_settings(REPLY_DOMAIN=DOMAIN):
        yield


@pytest.fixture
def told(monkeypatch):
    """Every case activity the mail emitted, after commit."""
    events = []
    monkeypatch.setattr(inbound, "case_activity", events.append)
    return events


@pytest.fixture(autouse=True)
def no_processing(monkeypatch):
    """Stored evidence is processed by a worker after commit; not what is tested here."""
    monkeypatch.setattr("evidence.services._enqueue_processing", lambda evidence_id: None)


def sent_escalation(filer, *, token: str, message_id: str, name: str) -> Escalation:
    institution = InstitutionFactory(name=name, complaint_email=LENDER_ADDRESS)
    complaint = ComplaintFactory(
        filer=filer, lender=LenderFactory(), funding_institution=institution, status=Status.WAITING_LENDER
    )
    now = timezone.now()
    return Escalation.objects.create(
        complaint=complaint,
        institution=institution,
        channel="email",
        status=EscalationStatus.SENT,
        sent_at=now - timedelta(days=1),
        due_at=now + timedelta(days=14),
        reply_token=token,
        message_id=message_id,
    )


@pytest.fixture
def letter(borrower) -> Escalation:
    return sent_escalation(borrower, token=TOKEN_A, message_id=LETTER_A, name="甲消费金融有限公司")


@pytest.fixture
def other_letter(other_borrower) -> Escalation:
    return sent_escalation(other_borrower, token=TOKEN_B, message_id=LETTER_B, name="乙小额贷款有限公司")


def reply_address(token: str) -> str:
    return f"reply+{token}@{DOMAIN}"


def reply(
    *,
    to: str | None = None,
    body: str = "您好，您的投诉我们已经处理，催收人员已停止联系您的家人。",
    subject: str = "回复：关于您的投诉",
    attachments: tuple[tuple[str, bytes, str], ...] = (),
    headers: dict[str, str] | None = None,
    message_id: str | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"客服中心 <{LENDER_ADDRESS}>"
    msg["To"] = to if to is not None else reply_address(TOKEN_A)
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="lender.example")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for name, data, ctype in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def receive(raw: bytes, capture, **kwargs) -> inbound.Received:
    with capture(execute=True):
        return inbound.inbound_receive(raw=raw, now=timezone.now(), **kwargs)


# --- Into the right case -------------------------------------------------------------


def test_a_reply_by_token_lands_in_its_case_with_its_attachments(
    letter, other_letter, told, django_capture_on_commit_callbacks
):
    photo, document = jpeg(), pdf()
    raw = reply(
        attachments=(("催收短信.jpg", photo, "image/jpeg"), ("处理结果.pdf", document, "application/pdf"))
    )

    result = receive(raw, django_capture_on_commit_callbacks)

    letter.refresh_from_db()
    assert result.inbound.state == InboundMail.State.MATCHED
    assert result.inbound.escalation == letter and result.inbound.complaint == letter.complaint
    assert letter.status == EscalationStatus.ANSWERED
    assert "催收人员已停止联系您的家人" in letter.answer
    assert letter.answered_at is not None
    kept = Evidence.objects.filter(complaint=letter.complaint).order_by("pk")
    assert [(e.original_name, e.sha256) for e in kept] == [
        ("催收短信.jpg", hashlib.sha256(photo).hexdigest()),
        ("处理结果.pdf", hashlib.sha256(document).hexdigest()),
    ]
    assert all(e.uploaded_by is None and LENDER_ADDRESS in e.caption for e in kept)
    assert letter.answer_document == kept[1]  # the PDF is their formal answer
    event = TimelineEvent.objects.get(complaint=letter.complaint, kind=TimelineEvent.Kind.ANSWER)
    assert event.actor is None and "催收短信.jpg" in event.display_note
    [activity] = told
    assert (activity.kind, activity.complaint, activity.actor, activity.object_id) == (
        Activity.REPLY_RECEIVED,
        letter.complaint,
        None,
        result.inbound.pk,
    )
    # The stranger's case saw nothing, and nobody was mailed back.
    other_letter.refresh_from_db()
    assert other_letter.status == EscalationStatus.SENT
    assert not Evidence.objects.filter(complaint=other_letter.complaint).exists()
    assert mail.outbox == []
    # The raw message is kept for the admin, byte for byte.
    with result.inbound.raw.open("rb") as f:
        assert f.read() == raw


def test_the_reply_domain_is_compared_in_any_case_and_a_delivered_to_header_counts(
    letter, told, django_capture_on_commit_callbacks
):
    raw = reply(
        to="投诉平台 <noreply@mail.example.org>",
        headers={"Delivered-To": f"reply+{TOKEN_A}@MAIL.Example.ORG"},
    )

    result = receive(raw, django_capture_on_commit_callbacks)

    assert result.inbound.state == InboundMail.State.MATCHED
    assert result.inbound.escalation == letter


def test_a_reply_address_upper_cased_on_its_way_back_still_matches(
    letter, told, django_capture_on_commit_callbacks
):
    # Some servers and clients upper-case the whole address; the same token in To and Cc,
    # once in each case, is one letter, not two.
    raw = reply(to=reply_address(TOKEN_A).upper(), headers={"Cc": reply_address(TOKEN_A)})

    result = receive(raw, django_capture_on_commit_callbacks)

    assert result.inbound.state == InboundMail.State.MATCHED, result.inbound.reason
    assert result.inbound.escalation == letter


def test_without_a_reply_address_in_reply_to_finds_the_letter(
    letter, told, django_capture_on_commit_callbacks
):
    raw = reply(to="noreply@mail.example.org", headers={"In-Reply-To": LETTER_A, "References": LETTER_A})

    result = receive(raw, django_capture_on_commit_callbacks)

    letter.refresh_from_db()
    assert result.inbound.state == InboundMail.State.MATCHED
    assert letter.status == EscalationStatus.ANSWERED


def test_a_forged_token_goes_to_the_admin_queue_even_with_a_real_in_reply_to(
    letter, told, django_capture_on_commit_callbacks
):
    raw = reply(to=reply_address("NotARealTokenAtAll12345"), headers={"In-Reply-To": LETTER_A})

    result = receive(raw, django_capture_on_commit_callbacks)

    letter.refresh_from_db()
    assert result.inbound.state == InboundMail.State.UNMATCHED
    assert result.inbound.escalation is None and result.inbound.complaint is None
    assert "token" in result.inbound.reason
    assert letter.status == EscalationStatus.SENT and letter.answer == ""
    assert not Evidence.objects.filter(complaint=letter.complaint).exists()
    assert not TimelineEvent.objects.filter(complaint=letter.complaint).exists()
    assert [(a.kind, a.complaint) for a in told] == [(Activity.MAIL_UNMATCHED, None)]


def test_mail_naming_no_letter_of_ours_waits_in_the_queue(letter, told, django_capture_on_commit_callbacks):
    result = receive(reply(to="someone@mail.example.org"), django_capture_on_commit_callbacks)

    assert result.inbound.state == InboundMail.State.UNMATCHED
    assert [a.kind for a in told] == [Activity.MAIL_UNMATCHED]


def test_a_token_in_cc_beats_a_forged_in_reply_to_naming_another_case(
    letter, other_letter, told, django_capture_on_commit_callbacks
):
    """The token is the secret; a Message-ID is known to everyone the letter went to. So
    the token decides, and the case the In-Reply-To names is not touched."""
    raw = reply(to="someone@lender.example", headers={"Cc": reply_address(TOKEN_B), "In-Reply-To": LETTER_A})

    result = receive(raw, django_capture_on_commit_callbacks)

    letter.refresh_from_db()
    other_letter.refresh_from_db()
    assert result.inbound.escalation == other_letter
    assert other_letter.status == EscalationStatus.ANSWERED
    assert letter.status == EscalationStatus.SENT and letter.answer == ""
    assert [a.complaint for a in told] == [other_letter.complaint]


def test_tokens_of_two_letters_put_the_mail_in_neither_case(
    letter, other_letter, told, django_capture_on_commit_callbacks
):
    raw = reply(headers={"Cc": reply_address(TOKEN_B)})

    result = receive(raw, django_capture_on_commit_callbacks)

    assert result.inbound.state == InboundMail.State.UNMATCHED
    assert set(Escalation.objects.values_list("status", flat=True)) == {EscalationStatus.SENT}


def test_a_second_reply_to_an_answered_letter_is_kept_as_a_file_and_changes_nothing(
    letter, told, django_capture_on_commit_callbacks
):
    receive(reply(body="第一次答复。"), django_capture_on_commit_callbacks)

    receive(reply(body="补充说明：已对催收员进行处理。"), django_capture_on_commit_callbacks)

    letter.refresh_from_db()
    assert letter.answer == "第一次答复。"
    [kept] = Evidence.objects.filter(complaint=letter.complaint)
    assert kept.extension == ".txt"
    with kept.file.open("rb") as f:
        assert f.read().decode("utf-8") == "补充说明：已对催收员进行处理。"
    assert [a.kind for a in told] == [Activity.REPLY_RECEIVED, Activity.REPLY_RECEIVED]


def test_a_long_answer_is_cut_to_the_field_and_kept_whole_as_a_text_file(
    letter, told, django_capture_on_commit_callbacks
):
    body = "经核查，" + "我司已要求合作催收机构停止违规行为。" * 400

    receive(reply(body=body), django_capture_on_commit_callbacks)

    letter.refresh_from_db()
    assert len(letter.answer) <= 5000 and letter.answer.startswith("经核查，")
    [whole] = Evidence.objects.filter(complaint=letter.complaint)
    assert whole.sha256 == hashlib.sha256(body.encode("utf-8")).hexdigest()
    assert letter.answer_document == whole


# --- Loops: bounces and auto-replies -------------------------------------------------


def bounce(token: str, *, action: str = "failed") -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.lender.example>\r\n"
        "To: noreply@mail.example.org\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce.1@mx.lender.example>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="RPT"\r\n'
        "\r\n"
        "--RPT\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        "Your message could not be delivered.\r\n"
        "\r\n"
        "--RPT\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; mx.lender.example\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {LENDER_ADDRESS}\r\n"
        f"Action: {action}\r\n"
        "Status: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{LENDER_ADDRESS}>: Recipient address rejected: User unknown\r\n"
        "\r\n"
        "--RPT\r\n"
        "Content-Type: text/rfc822-headers\r\n"
        "\r\n"
        "From: noreply@mail.example.org\r\n"
        f"To: {LENDER_ADDRESS}\r\n"
        f"Reply-To: reply+{token}@{DOMAIN}\r\n"
        "Message-ID: <170.9.9@mail.example.org>\r\n"
        "Subject: =?utf-8?b?5oqV6K+J5Ye9?=\r\n"
        "\r\n"
        "--RPT--\r\n"
    ).encode("ascii")


def test_a_bounce_marks_the_address_failing_and_tells_the_borrower(
    letter, told, django_capture_on_commit_callbacks
):
    result = receive(bounce(TOKEN_A), django_capture_on_commit_callbacks)

    letter.refresh_from_db()
    institution = letter.institution
    institution.refresh_from_db()
    assert result.inbound.state == InboundMail.State.BOUNCE
    assert result.inbound.escalation == letter
    assert institution.complaint_email_failing_since is not None
    assert "550 5.1.1" in institution.complaint_email_failure
    assert letter.status == EscalationStatus.SENT and letter.answer == ""
    assert [(a.kind, a.complaint, a.object_id) for a in told] == [
        (Activity.MAIL_BOUNCED, letter.complaint, result.inbound.pk)
    ]
    assert mail.outbox == []


def test_a_delayed_delivery_report_marks_nothing(letter, told, django_capture_on_commit_callbacks):
    result = receive(bounce(TOKEN_A, action="delayed"), django_capture_on_commit_callbacks)

    letter.institution.refresh_from_db()
    assert result.inbound.state == InboundMail.State.BOUNCE
    assert letter.institution.complaint_email_failing_since is None
    assert told == []


def test_a_bounce_finds_the_letter_by_its_message_id_too(letter, told, django_capture_on_commit_callbacks):
    raw = bounce("unknowntoken00").replace(f"Reply-To: reply+unknowntoken00@{DOMAIN}\r\n".encode(), b"")
    raw = raw.replace(b"<170.9.9@mail.example.org>", LETTER_A.encode())

    result = receive(raw, django_capture_on_commit_callbacks)

    assert result.inbound.escalation == letter
    assert [a.kind for a in told] == [Activity.MAIL_BOUNCED]


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"Subject": "自动回复：您的邮件已收到"},
        {"Subject": "Out of Office: 休假中"},
    ],
)
def test_an_auto_reply_acknowledges_the_letter_but_never_answers_it(
    letter, told, django_capture_on_commit_callbacks, headers
):
    headers = dict(headers)
    subject = headers.pop("Subject", "您的来信已收到")
    raw = reply(subject=subject, headers=headers, body="此邮件为系统自动回复，请勿直接回复。")

    result = receive(raw, django_capture_on_commit_callbacks)

    letter.refresh_from_db()
    assert result.inbound.state == InboundMail.State.AUTO_REPLY
    assert letter.status == EscalationStatus.ACKNOWLEDGED
    assert letter.answer == "" and letter.answered_at is None
    assert "自动回复" in TimelineEvent.objects.get(complaint=letter.complaint).display_note
    assert told == []
    assert mail.outbox == []


def test_an_auto_reply_to_an_answered_letter_changes_nothing(
    letter, told, django_capture_on_commit_callbacks
):
    receive(reply(body="答复。"), django_capture_on_commit_callbacks)

    receive(reply(headers={"Auto-Submitted": "auto-replied"}), django_capture_on_commit_callbacks)

    letter.refresh_from_db()
    assert letter.status == EscalationStatus.ANSWERED and letter.answer == "答复。"


# --- Hostile mail --------------------------------------------------------------------


def test_broken_mime_goes_to_the_queue_even_with_a_valid_token(
    letter, told, django_capture_on_commit_callbacks
):
    raw = (
        f"From: a@lender.example\r\nTo: {reply_address(TOKEN_A)}\r\nSubject: broken\r\n"
        "Message-ID: <broken.1@lender.example>\r\nContent-Type: multipart/mixed\r\n\r\n"
        "--\r\nContent-Type: text/plain\r\n\r\nno boundary was declared\r\n"
    ).encode()

    result = receive(raw, django_capture_on_commit_callbacks)

    letter.refresh_from_db()
    assert result.inbound.state == InboundMail.State.MALFORMED
    assert result.inbound.subject == "broken" and "a@lender.example" in result.inbound.sender
    assert letter.status == EscalationStatus.SENT
    assert [a.kind for a in told] == [Activity.MAIL_UNMATCHED]


@pytest.mark.parametrize(
    "raw",
    [
        b"\x00\xff\xfe" * 5000,
        b"From: a@lender.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
        + b"--x\r\n\r\n" * 3000,
        b"From: a@lender.example\r\nX-Junk: " + b"A" * 1_000_000 + b"\r\n\r\nbody",
        b"From: a@lender.example\r\n" + b"X-Many: 1\r\n" * 2000 + b"\r\nbody",
    ],
    ids=["binary", "thousands-of-parts", "megabyte-header", "thousands-of-headers"],
)
def test_hostile_mail_is_stored_as_malformed_without_a_crash(raw, told, django_capture_on_commit_callbacks):
    result = receive(raw, django_capture_on_commit_callbacks)

    assert result.inbound.state == InboundMail.State.MALFORMED
    assert result.inbound.reason


def test_deeply_nested_parts_are_malformed(told, django_capture_on_commit_callbacks):
    inner = EmailMessage()
    inner.set_content("最里面")
    for depth in range(30):
        outer = EmailMessage()
        outer["Content-Type"] = f'multipart/mixed; boundary="b{depth}"'
        outer.set_payload([inner])
        inner = outer
    inner["From"] = "a@lender.example"
    inner["Message-ID"] = "<deep@lender.example>"

    result = receive(inner.as_bytes(), django_capture_on_commit_callbacks)

    assert result.inbound.state == InboundMail.State.MALFORMED
    assert "nested" in result.inbound.reason


def gb_message(*, body: str, charset: str, codec: str, subject_word: str) -> bytes:
    encoded = base64.b64encode(body.encode(codec)).decode()
    return (
        f"From: =?gb2312?B?{base64.b64encode('客服'.encode('gbk')).decode()}?= <{LENDER_ADDRESS}>\r\n"
        f"To: {reply_address(TOKEN_A)}\r\n"
        f"Subject: {subject_word}\r\n"
        "Message-ID: <gb.1@lender.example>\r\n"
        "MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset={charset}\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{encoded}\r\n"
    ).encode("ascii")


def test_gbk_labelled_gb2312_and_base64_subjects_are_decoded(
    letter, told, django_capture_on_commit_callbacks
):
    # 镕 and 喆 are in GBK but not in GB2312: Chinese mailers label such text gb2312.
    subject = "关于朱镕基先生与陈喆女士投诉的答复"
    word = f"=?gb2312?B?{base64.b64encode(subject.encode('gbk')).decode()}?="
    raw = gb_message(
        body="您好：朱镕基先生的投诉已处理。陈喆", charset="gb2312", codec="gbk", subject_word=word
    )

    result = receive(raw, django_capture_on_commit_callbacks)

    letter.refresh_from_db()
    assert result.inbound.subject == subject
    assert result.inbound.sender.startswith("客服")
    assert letter.answer == "您好：朱镕基先生的投诉已处理。陈喆"


def test_gb18030_four_byte_characters_are_decoded(letter, told, django_capture_on_commit_callbacks):
    body = "吉祥的𠮷字和𡃁仔都能显示。"
    word = f"=?UTF-8?B?{base64.b64encode('答复 𠮷'.encode()).decode()}?="
    raw = gb_message(body=body, charset="GB18030", codec="gb18030", subject_word=word)

    result = receive(raw, django_capture_on_commit_callbacks)

    letter.refresh_from_db()
    assert letter.answer == body
    assert result.inbound.subject == "答复 𠮷"


def test_encoded_words_splitting_a_character_are_joined_before_decoding():
    data = "投诉答复".encode("gbk")  # 8 bytes; cut inside the second character
    first, second = base64.b64encode(data[:3]).decode(), base64.b64encode(data[3:]).decode()

    assert decode_header_text(f"=?gbk?B?{first}?=\r\n =?gbk?B?{second}?=") == "投诉答复"
    assert decode_header_text("=?utf-8?Q?=E7=AD=94=E5=A4=8D_ok?= done") == "答复 ok done"
    # An unknown charset is guessed rather than shown as code.
    unknown = base64.b64encode("答复".encode()).decode()
    assert decode_header_text(f"=?x-unknown?B?{unknown}?=") == "答复"


def test_text_whose_charset_label_lies_is_still_read():
    gbk = "催收停止了".encode("gbk")

    assert decode_bytes(gbk, "utf-8") == "催收停止了"  # declared UTF-8, really GBK
    assert decode_bytes(gbk, "us-ascii") == "催收停止了"
    assert decode_bytes(gbk, "no-such-charset") == "催收停止了"
    assert decode_bytes(b"abc", "base64") == "abc"  # a bytes codec is no text charset


def test_an_html_only_reply_becomes_text_without_its_scripts(
    letter, told, django_capture_on_commit_callbacks
):
    msg = EmailMessage()
    msg["From"] = LENDER_ADDRESS
    msg["To"] = reply_address(TOKEN_A)
    msg["Subject"] = "答复"
    msg["Message-ID"] = make_msgid(domain="lender.example")
    msg.set_content(
        "<html><head><title>答复函</title><style>p{color:red}</style><script>alert('head')</script></head>"
        "<body><p>我们已<b>处理</b>您的投诉&amp;道歉。</p><script>document.cookie</script>"
        '<img src="x" onerror="alert(1)"><p>客服中心</p></body></html>',
        subtype="html",
    )

    result = receive(msg.as_bytes(), django_capture_on_commit_callbacks)

    letter.refresh_from_db()
    assert letter.answer == "我们已处理您的投诉&道歉。\n\n客服中心"
    assert "alert" not in result.inbound.text and "<" not in result.inbound.text


def test_html_to_text_survives_an_unclosed_title():
    assert html_to_text("<title>unclosed<body><p>正文</p>") == "正文"


def test_attachments_with_lying_names_are_refused_and_noted(letter, told, django_capture_on_commit_callbacks):
    exe = (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
        + b"\x00" * 200
        + b"This program cannot be run in DOS mode"
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.exe", exe)
    raw = reply(
        attachments=(
            ("photo.jpg", exe, "image/jpeg"),
            ("photo2.jpg", archive.getvalue(), "image/jpeg"),
            ("真的照片.jpg", jpeg(), "image/jpeg"),
        )
    )

    result = receive(raw, django_capture_on_commit_callbacks)

    letter.refresh_from_db()
    assert [e.original_name for e in Evidence.objects.filter(complaint=letter.complaint)] == ["真的照片.jpg"]
    assert "photo.jpg" in result.inbound.notes and "photo2.jpg" in result.inbound.notes
    note = TimelineEvent.objects.get(complaint=letter.complaint, kind=TimelineEvent.Kind.ANSWER).display_note
    assert "photo.jpg" in note and "photo2.jpg" in note
    assert letter.status == EscalationStatus.ANSWERED


# --- The command ---------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("receive_mail", *args, stdout=out)
    return out.getvalue()


def test_the_command_reads_a_file(letter, tmp_path, told, django_capture_on_commit_callbacks):
    path = tmp_path / "reply.eml"
    path.write_bytes(reply())

    with django_capture_on_commit_callbacks(execute=True):
        output = run(str(path))

    letter.refresh_from_db()
    assert "matched" in output
    assert letter.status == EscalationStatus.ANSWERED


def test_the_command_reads_standard_input_and_stores_a_message_once(
    letter, monkeypatch, told, django_capture_on_commit_callbacks
):
    raw = reply(attachments=(("图.jpg", jpeg(), "image/jpeg"),))

    def piped() -> None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))

    piped()
    with django_capture_on_commit_callbacks(execute=True):
        first = run("-")
    piped()
    with django_capture_on_commit_callbacks(execute=True):
        second = run("-")

    assert "matched" in first
    assert second.startswith("duplicate")
    assert InboundMail.objects.count() == 1
    assert Evidence.objects.filter(complaint=letter.complaint).count() == 1
    assert [a.kind for a in told] == [Activity.REPLY_RECEIVED]


def test_the_envelope_recipient_the_mta_gives_counts(
    letter, tmp_path, told, django_capture_on_commit_callbacks
):
    path = tmp_path / "reply.eml"
    path.write_bytes(reply(to="投诉平台 <noreply@mail.example.org>"))

    with django_capture_on_commit_callbacks(execute=True):
        output = run(str(path), "--recipient", reply_address(TOKEN_A))

    assert "matched" in output


@override_settings(INBOUND_MAIL_MAX_BYTES=20_000)
def test_an_oversized_message_is_kept_out_of_the_case(
    letter, monkeypatch, told, django_capture_on_commit_callbacks
):
    raw = reply(attachments=(("大.jpg", jpeg((1600, 1200)) + b"\x00" * 30_000, "image/jpeg"),))
    assert len(raw) > 20_000
    stream = io.BytesIO(raw)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stream))

    with django_capture_on_commit_callbacks(execute=True):
        output = run("-")

    letter.refresh_from_db()
    stored = InboundMail.objects.get()
    assert "oversized" in output
    assert stored.state == InboundMail.State.OVERSIZED and stored.subject == "回复：关于您的投诉"
    assert stored.size == 20_001  # read no further than the limit
    assert stream.tell() == len(raw)  # the rest was drained, so the MTA sees no broken pipe
    assert letter.status == EscalationStatus.SENT
    assert not Evidence.objects.exists()
    assert [a.kind for a in told] == [Activity.MAIL_UNMATCHED]


def test_a_database_that_cannot_be_reached_asks_the_mta_to_retry(tmp_path, monkeypatch):
    path = tmp_path / "reply.eml"
    path.write_bytes(reply())

    def down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("escalations.management.commands.receive_mail.inbound_receive", down)
    with pytest.raises(CommandError) as failed:
        run(str(path))

    assert failed.value.returncode == 75


# --- The admin queue -----------------------------------------------------------------


@pytest.fixture
def queued(told, django_capture_on_commit_callbacks) -> InboundMail:
    raw = reply(to="someone@mail.example.org", body="<script>alert(1)</script> 请核实您的身份。")
    return receive(raw, django_capture_on_commit_callbacks).inbound


def test_an_admin_sees_the_queue_and_the_text_as_text(client, admin_user, queued):
    client.force_login(admin_user)

    listing = client.get(reverse("admin:escalations_inboundmail_changelist") + "?state__exact=unmatched")
    page = client.get(reverse("admin:escalations_inboundmail_change", args=[queued.pk]))

    assert listing.status_code == 200 and "回复：关于您的投诉" in listing.content.decode()
    body = page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 请核实您的身份。" in body
    assert "<script>alert(1)</script>" not in body
    raw = client.get(reverse("admin:escalations_inboundmail_raw", args=[queued.pk]))
    assert raw["Content-Disposition"].startswith("attachment")
    assert raw["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who", ["borrower", "advocate", "staff_without_permission"])
def test_nobody_but_admins_sees_the_queue(client, queued, who, borrower, advocate):
    users = {
        "borrower": borrower,
        "advocate": advocate,
        "staff_without_permission": UserFactory(username="staffer", phone="13900001111", is_staff=True),
    }
    client.force_login(users[who])

    urls = [
        reverse("admin:escalations_inboundmail_changelist"),
        reverse("admin:escalations_inboundmail_change", args=[queued.pk]),
        reverse("admin:escalations_inboundmail_raw", args=[queued.pk]),
        reverse("admin:escalations_inboundmail_attach", args=[queued.pk]),
    ]
    for url in urls:
        response = client.get(url)
        if users[who].is_staff:
            assert response.status_code == 403, url
        else:
            assert response.status_code == 302 and "login" in response["Location"], url
    assert client.post(urls[3], {"reference": "X"}).status_code in (302, 403)
    queued.refresh_from_db()
    assert queued.state == InboundMail.State.UNMATCHED


def test_an_admin_puts_an_unmatched_mail_into_a_case(
    client, admin_user, letter, queued, told, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:escalations_inboundmail_attach", args=[queued.pk]),
            {"reference": letter.complaint.reference.lower()},
        )

    assert response.status_code == 302
    queued.refresh_from_db()
    letter.refresh_from_db()
    assert queued.state == InboundMail.State.MATCHED and queued.handled_by == admin_user
    assert letter.status == EscalationStatus.ANSWERED
    assert "请核实您的身份" in letter.answer
    assert told[-1].kind == Activity.REPLY_RECEIVED and told[-1].complaint == letter.complaint


def test_an_admin_discards_queued_mail(client, admin_user, queued):
    client.force_login(admin_user)

    client.post(
        reverse("admin:escalations_inboundmail_changelist"),
        {"action": "discard", "_selected_action": [queued.pk]},
    )

    queued.refresh_from_db()
    assert queued.state == InboundMail.State.DISCARDED and queued.handled_by == admin_user


def test_the_borrowers_erasure_takes_the_mail_about_their_case(
    letter, borrower, told, django_capture_on_commit_callbacks
):
    from accounts.privacy import account_delete

    receive(reply(), django_capture_on_commit_callbacks)

    account_delete(user=borrower)

    assert not InboundMail.objects.exists()


def test_after_the_borrowers_erasure_a_late_reply_waits_in_the_queue(
    letter, borrower, told, django_capture_on_commit_callbacks
):
    from accounts.privacy import account_delete

    account_delete(user=borrower)

    result = receive(reply(), django_capture_on_commit_callbacks)

    assert result.inbound.state == InboundMail.State.UNMATCHED
    assert result.inbound.complaint is None


def test_an_unknown_reference_or_a_matched_mail_cannot_be_put_into_a_case(
    client, admin_user, letter, queued, told, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    url = reverse("admin:escalations_inboundmail_attach", args=[queued.pk])

    unknown = client.post(url, {"reference": "AAAAA-BBBBB"})

    assert unknown.status_code == 200 and unknown.context["form"].non_field_errors()
    queued.refresh_from_db()
    assert queued.state == InboundMail.State.UNMATCHED and queued.handled_at is None
    matched = receive(reply(), django_capture_on_commit_callbacks).inbound
    with pytest.raises(inbound.InboundError):
        inbound.inbound_attach(inbound=matched, escalation=letter, actor=admin_user, now=timezone.now())
