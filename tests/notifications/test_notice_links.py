"""Every notice told at once (issue 16) links somewhere its recipient can open, to the
part of the page it is about, and nobody else can open that link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import FollowUp, InfoRequest
from complaints.hooks import Activity, CaseActivity
from complaints.models import Status
from escalations.models import InboundMail
from notifications import services
from notifications.models import Kind, Reminder
from tests.factories import ComplaintFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(borrower, advocate):
    return ComplaintFactory(filer=borrower, status=Status.UNDER_REVIEW, assignee=advocate)


def _info(case, advocate, *, answered: bool) -> int:
    now = timezone.now()
    info = InfoRequest.objects.create(
        complaint=case,
        message="请补充通话录音",
        requested_by=advocate,
        response="已上传" if answered else "",
        answered_at=now if answered else None,
    )
    return info.pk


def _activity(kind, *, actor="", object_id=None):
    def make(case, borrower, advocate, admin_user):
        actors = {"borrower": borrower, "advocate": advocate, "": None}
        at = timezone.now()
        oid = object_id(case, advocate) if object_id else 1
        services.case_activity_tell(
            CaseActivity(
                kind=kind,
                complaint=None if kind == Activity.MAIL_UNMATCHED else case,
                actor=actors[actor],
                at=at,
                object_id=oid,
                detail=Status.UNDER_REVIEW if kind == Activity.STATUS_CHANGED else "",
            )
        )

    return make


def _bounce(case, advocate) -> int:
    inbound = InboundMail.objects.create(
        received_at=timezone.now(),
        dedupe_key="mid:<dsn@mx.example>",
        sha256="0" * 64,
        state=InboundMail.State.BOUNCE,
        complaint=case,
    )
    return inbound.pk


def _followup(case, borrower, advocate, admin_user):
    closed = timezone.now() - timedelta(hours=1)
    case.status, case.status_changed_at = Status.CLOSED, closed
    case.save()
    followup = FollowUp.objects.create(
        complaint=case, closed_at=closed, round=FollowUp.Round.AT_CLOSE, asked_at=closed
    )
    due = services.Due(borrower, Kind.FOLLOWUP, followup.pk, closed, case, {"round": followup.round})
    services.reminder_create(due, now=timezone.now())


def _harassment_continues(case, borrower, advocate, admin_user):
    followup = FollowUp.objects.create(
        complaint=case,
        closed_at=timezone.now() - timedelta(days=14),
        round=FollowUp.Round.DAY_14,
        asked_at=timezone.now(),
        answer=FollowUp.Answer.WORSE,
        answered_at=timezone.now(),
    )
    services.tell_harassment_continues(
        CaseActivity(
            kind=Activity.HARASSMENT_CONTINUES,
            complaint=case,
            actor=borrower,
            at=timezone.now(),
            object_id=followup.pk,
            detail=followup.answer,
        )
    )


# kind, who is told, how it comes about
NOTICES = [
    (Kind.INFO_REQUESTED, "borrower", _activity(Activity.INFO_REQUESTED, actor="advocate",
                                                 object_id=lambda c, a: _info(c, a, answered=False))),
    (Kind.ADVOCATE_MESSAGE, "borrower", _activity(Activity.ADVOCATE_MESSAGE, actor="advocate")),
    (Kind.STATUS_CHANGED, "borrower", _activity(Activity.STATUS_CHANGED, actor="advocate")),
    (Kind.REPLY_RECEIVED, "borrower", _activity(Activity.REPLY_RECEIVED)),
    (Kind.REPLY_RECEIVED, "advocate", _activity(Activity.REPLY_RECEIVED)),
    (Kind.MAIL_BOUNCED, "borrower", _activity(Activity.MAIL_BOUNCED, object_id=_bounce)),
    (Kind.MAIL_BOUNCED, "admin_user", _activity(Activity.MAIL_BOUNCED, object_id=_bounce)),
    (Kind.INFO_ANSWERED, "advocate", _activity(Activity.INFO_ANSWERED, actor="borrower",
                                                object_id=lambda c, a: _info(c, a, answered=True))),
    (Kind.INCIDENT_ADDED, "advocate", _activity(Activity.INCIDENT_ADDED, actor="borrower")),
    (Kind.EVIDENCE_ADDED, "advocate", _activity(Activity.EVIDENCE_ADDED, actor="borrower")),
    (Kind.MAIL_UNMATCHED, "admin_user", _activity(Activity.MAIL_UNMATCHED, object_id=_bounce)),
    (Kind.FOLLOWUP, "borrower", _followup),
    (Kind.HARASSMENT_CONTINUES, "advocate", _harassment_continues),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "who", "make"), NOTICES, ids=[f"{k}-{w}" for k, w, _m in NOTICES])
def test_each_notice_links_to_what_it_is_about_for_its_recipient_only(
    client, case, borrower, other_borrower, advocate, admin_user, kind, who, make
):
    people = {"borrower": borrower, "advocate": advocate, "admin_user": admin_user}
    make(case, borrower, advocate, admin_user)
    notice = Reminder.objects.get(kind=kind, recipient=people[who])
    path, _hash, fragment = notice.link.partition("#")
    assert path.startswith("/")

    client.force_login(people[who])
    response = client.get(path)

    assert response.status_code == 200, notice.link
    if fragment:
        assert f'id="{fragment}"' in response.content.decode(), notice.link
    # From the inbox, "Open" leads there too.
    opened = client.post(f"/notifications/{notice.pk}/read/", {"open": "1"})
    assert opened.status_code == 302 and opened["Location"] == notice.link

    client.force_login(other_borrower)
    denied = client.get(path)
    if who == "admin_user":
        assert denied.status_code == 302 and "/login/" in denied["Location"]  # the admin's login
    else:
        assert denied.status_code == 404
    # Nor can someone else open or mark the notice itself.
    assert client.post(f"/notifications/{notice.pk}/read/", {"open": "1"}).status_code == 404


def test_the_followup_question_is_not_the_advocates_to_answer(client, case, borrower, advocate, admin_user):
    _followup(case, borrower, advocate, admin_user)
    link = Reminder.objects.get(kind=Kind.FOLLOWUP).link

    client.force_login(advocate)

    assert client.get(link).status_code == 404
