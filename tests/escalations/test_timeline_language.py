"""Issue 17, item 9: what the system wrote on a timeline reads in the reader's language,
whoever caused it and in whichever language they used the app; what people typed stays
as typed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from cases import services as case_services
from complaints.models import LicenceType, Status, TimelineEvent
from escalations import services as svc
from escalations.models import EscalationChannel
from lib.china import CHINA_TZ
from tests.escalations.conftest import add_evidence
from tests.factories import ComplaintFactory, IncidentFactory, LenderFactory, RegulatorFactory

pytestmark = pytest.mark.django_db

SENT = datetime(2026, 11, 6, 10, 0, tzinfo=CHINA_TZ)
NOW = SENT + timedelta(hours=1)
TYPED = "他们答应停，可第二天又打了"


@pytest.fixture(autouse=True)
def language_restored():
    """A request in English leaves English active in this thread (LocaleMiddleware
    activates, nothing deactivates): later tests that call services directly expect the
    site's language."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def complaint(borrower, advocate):
    bank = LenderFactory(name="某某银行", licence_type=LicenceType.BANK)
    complaint = ComplaintFactory(filer=borrower, lender=bank, status=Status.SUBMITTED)
    IncidentFactory(complaint=complaint)
    nfra = RegulatorFactory(
        kind="nfra",
        name_zh="国家金融监督管理总局",
        name_en="National Financial Regulatory Administration",
        deadline_days=15,
        deadline_working_days=True,
    )
    # Everyone who acted used the app in English: the entries must not keep their words.
    with translation.override("en"):
        case_services.case_assign(complaint=complaint, actor=advocate, assignee_id=advocate.pk, now=NOW)
        escalation = svc.escalation_record(
            complaint=complaint,
            actor=borrower,
            regulator=nfra,
            channel=EscalationChannel.HOTLINE,
            sent_at=SENT,
            reference="T-123",
            now=NOW,
        )
        svc.escalation_record_answer(
            escalation=escalation,
            actor=borrower,
            answer="已转交",
            answered_at=NOW,
            satisfied=False,
            now=NOW,
        )
        svc.escalation_close(escalation=escalation, actor=borrower, note=TYPED, now=NOW)
        evidence = add_evidence(complaint, "通话记录.png", "a1" * 32)
        case_services.evidence_review(
            evidence=evidence, actor=advocate, usable=False, reason="图片太模糊", now=NOW
        )
    return complaint


def page_in(client, user, complaint, language: str) -> str:
    client.force_login(user)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    return client.get(complaint.get_absolute_url()).content.decode()


def test_it_shows_the_timeline_in_chinese_to_a_chinese_reader(client, borrower, complaint):
    page = page_in(client, borrower, complaint, "zh-hans")

    assert "已有援助人员在处理这个案件。" in page
    assert "通过 热线电话 发送给 国家金融监督管理总局" in page
    assert "对方受理编号：T-123。" in page
    assert "对答复不满意。" in page
    assert "给 国家金融监督管理总局 的升级投诉已关闭。" in page
    assert TYPED in page
    for english in ("An advocate is now handling", "Sent to", "Hotline", "not satisfying", "closed."):
        assert english not in page


def test_it_shows_the_same_timeline_in_english_to_an_english_reader(client, borrower, complaint):
    page = page_in(client, borrower, complaint, "en")

    assert "An advocate is now handling this case." in page
    assert "Sent to National Financial Regulatory Administration (Hotline) on 2026-11-06." in page
    assert "Their reference: T-123." in page
    assert "The answer is not satisfying." in page
    assert "Escalation to National Financial Regulatory Administration closed." in page
    # What the borrower typed is theirs: not translated, not dropped.
    assert TYPED in page
    for chinese in ("已有援助人员", "热线电话", "对答复不满意", "升级投诉已关闭", "对方受理编号"):
        assert chinese not in page
    # The escalation's row names the body as the directory does: its Chinese name, the
    # English one beside it.
    assert '<small class="fw-normal text-body-secondary" lang="en">National Financial' in page


def test_an_advocate_reads_the_review_verdict_in_their_language(client, advocate, complaint):
    chinese = page_in(client, advocate, complaint, "zh-hans")
    english = page_in(client, advocate, complaint, "en")

    assert "通话记录.png: not usable" in english and "图片太模糊" in english
    assert "通话记录.png: 不可用" in chinese and "图片太模糊" in chinese


def test_it_stores_the_message_not_the_sentence(complaint):
    closed = complaint.events.filter(kind=TimelineEvent.Kind.ESCALATION).latest("pk")

    assert closed.code == "esc_closed"
    assert closed.params["target"] == "国家金融监督管理总局"
    assert closed.note == TYPED


def test_an_entry_written_before_codes_keeps_its_stored_text(client, borrower, complaint):
    TimelineEvent.objects.create(
        complaint=complaint, kind=TimelineEvent.Kind.ESCALATION, note="已于 2026-11-01 寄出挂号信。"
    )

    page = page_in(client, borrower, complaint, "en")

    assert "已于 2026-11-01 寄出挂号信。" in page


def test_erasing_the_borrower_takes_the_message_data_with_the_typed_notes(borrower, complaint):
    from complaints.personal_data import erase

    erase(borrower, NOW)

    closed = complaint.events.filter(kind=TimelineEvent.Kind.ESCALATION).latest("pk")
    assert (closed.note, closed.params) == ("", {})
    # The entry stays, as its kind alone: no half sentence with a missing name.
    assert closed.display_note == ""
