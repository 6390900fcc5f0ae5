"""Issue 17, item 9: the inbox says each notification in the reader's current language;
the email and the SMS went out in the recipient's language and their stored text stays
what was sent."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from lib.china import CHINA_TZ
from notifications import services
from notifications.models import Kind, Reminder
from tests.factories import ComplaintFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 9, 20, 10, 0, tzinfo=CHINA_TZ)
TYPED = "请上传催收短信的截图"


@pytest.fixture(autouse=True)
def language_restored():
    """A request in English leaves English active in this thread (LocaleMiddleware
    activates, nothing deactivates): later tests that call services directly expect the
    site's language."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def told(borrower):
    """Three notices for a borrower who reads Chinese, planned while she did."""
    borrower.language = "zh-hans"
    borrower.save(update_fields=["language"])
    complaint = ComplaintFactory(filer=borrower)
    dues = [
        services.Due(
            borrower,
            Kind.ESCALATION_DUE_SOON,
            1,
            NOW,
            complaint,
            {"target": "某某银行", "date": "2027-10-08", "estimate": True},
        ),
        services.Due(
            borrower, Kind.STATUS_CHANGED, 2, NOW, complaint, {"detail": "under_review", "about": 2}
        ),
        services.Due(borrower, Kind.INFO_REQUEST, 3, NOW, complaint, {"message": TYPED}),
    ]
    return complaint, [services.reminder_create(due, now=NOW) for due in dues]


def inbox_in(client, user, language: str) -> str:
    client.force_login(user)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    return client.get(reverse("notifications:inbox")).content.decode()


def test_it_keeps_what_was_sent_in_the_recipients_language(told):
    complaint, reminders = told

    assert reminders[0].title == "某某银行 须在 2027-10-08（预计） 前答复"
    assert reminders[1].title == f"投诉 {complaint.reference} 的状态现为：审核中"


def test_the_inbox_reads_in_chinese(client, borrower, told):
    complaint, _reminders = told

    page = inbox_in(client, borrower, "zh-hans")

    assert "某某银行 须在 2027-10-08（预计） 前答复" in page
    assert f"投诉 {complaint.reference} 的状态现为：审核中" in page
    assert TYPED in page
    assert "must answer by" not in page and "Under review" not in page


def test_the_same_inbox_reads_in_english(client, borrower, told):
    complaint, _reminders = told

    page = inbox_in(client, borrower, "en")

    assert "某某银行 must answer by 2027-10-08 (estimate)" in page
    assert f"Complaint {complaint.reference} is now: Under review" in page
    assert f"Your advocate is still waiting for information on {complaint.reference}" in page
    # The advocate's request is theirs: as they wrote it.
    assert TYPED in page
    for chinese in ("须在", "预计", "状态现为", "审核中", "您的援助人员"):
        assert chinese not in page


def test_a_reminder_from_before_its_data_was_kept_shows_its_stored_text(client, borrower):
    Reminder.objects.create(
        recipient=borrower, kind=Kind.SUBMITTED, object_id=9, due_at=NOW, title="我们已收到您的投诉", body=""
    )

    page = inbox_in(client, borrower, "en")

    assert "我们已收到您的投诉" in page
