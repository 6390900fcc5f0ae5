"""The complaint page's body is cached under (complaint row and its revision, viewer,
language, versions, China's day) by complaints.page.render_page. Every change the page
shows must show at the next view, whichever way it is written (services, bulk
`.update()`, raw SQL, deletes): the database moves the revision. Nobody ever gets a body
cached for someone else."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import FollowUp, InfoRequest
from complaints import page
from complaints.models import BrandFunder, Complaint, Incident, Status, TimelineEvent
from escalations.models import Escalation, EscalationStatus, LetterEmail
from evidence.models import Evidence
from lib.china import CHINA_TZ
from tests.factories import ComplaintFactory, IncidentFactory, InstitutionFactory, UserFactory
from tests.test_page_budgets import featured_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(borrower):
    return featured_case(borrower)


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


def page_with_tokens(client, user, complaint) -> str:
    # Logging in again would change the filer's last_login, loaded with the complaint: a
    # new key, and the test would never meet the cache.
    if client.session.get("_auth_user_id") != str(user.pk):
        client.force_login(user)
    response = client.get(complaint.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def seen(client, user, complaint) -> str:
    """The page, its CSRF tokens left out (each response masks its own)."""
    return TOKEN.sub("TOKEN", page_with_tokens(client, user, complaint))


def cached_twice(client, user, complaint) -> str:
    """The page as the cache has it: viewed once to fill it, then again."""
    seen(client, user, complaint)
    return seen(client, user, complaint)


def revision(complaint) -> int:
    return Complaint.objects.values_list("revision", flat=True).get(pk=complaint.pk)


# --- Every kind of change shows at once ---------------------------------------------------


def test_it_serves_the_second_view_from_the_cache(client, borrower, case):
    first = seen(client, borrower, case)

    with CaptureQueriesContext(connection) as ctx:
        second = seen(client, borrower, case)

    assert second == first
    assert not [q for q in ctx.captured_queries if "complaints_incident" in q["sql"]]
    assert not [q for q in ctx.captured_queries if "evidence_evidence" in q["sql"]]


def test_it_shows_an_incident_added_and_edited_in_bulk(client, borrower, case):
    cached_twice(client, borrower, case)

    incident = IncidentFactory(complaint=case, description="新的骚扰：凌晨打电话给我父亲")
    assert "新的骚扰：凌晨打电话给我父亲" in seen(client, borrower, case)

    Incident.objects.filter(pk=incident.pk).update(description="改过的描述")
    assert "改过的描述" in seen(client, borrower, case)

    Incident.objects.filter(pk=incident.pk).delete()
    assert "改过的描述" not in seen(client, borrower, case)


def test_it_shows_evidence_added_processed_and_deleted(client, borrower, case):
    cached_twice(client, borrower, case)
    evidence = Evidence.objects.create(
        complaint=case,
        kind="image",
        original_name="新截图.png",
        extension="png",
        content_type="image/png",
        size=1000,
        sha256="1" * 64,
        file="evidence/x/new.png",
        state="processing",
    )
    body = seen(client, borrower, case)
    assert "新截图.png" in body

    Evidence.objects.filter(pk=evidence.pk).update(original_name="处理好的截图.png", state="ready")
    assert "处理好的截图.png" in seen(client, borrower, case)

    with connection.cursor() as cursor:  # even past the ORM
        cursor.execute("DELETE FROM evidence_evidence WHERE id = %s", [evidence.pk])
    assert "处理好的截图.png" not in seen(client, borrower, case)


def test_it_shows_an_escalation_answered_and_its_letter_email(client, borrower, case):
    cached_twice(client, borrower, case)
    escalation = case.escalations.filter(status=EscalationStatus.ACKNOWLEDGED).get()

    Escalation.objects.filter(pk=escalation.pk).update(
        status=EscalationStatus.ANSWERED, answered_at=timezone.now(), answer="我们已停止第三方催收"
    )
    assert "我们已停止第三方催收" in seen(client, borrower, case)

    LetterEmail.objects.create(
        escalation=escalation, to_address="complaints@lender.example", subject="投诉", text="信"
    )
    assert "complaints@lender.example" in seen(client, borrower, case)


def test_it_shows_a_timeline_entry(client, borrower, case):
    cached_twice(client, borrower, case)

    TimelineEvent.objects.create(complaint=case, kind=TimelineEvent.Kind.NOTE, note="公开的进展")
    TimelineEvent.objects.create(
        complaint=case, kind=TimelineEvent.Kind.NOTE, note="只给援助人员的备注", internal=True
    )

    body = seen(client, borrower, case)
    assert "公开的进展" in body
    assert "只给援助人员的备注" not in body


def test_it_shows_an_advocates_note(client, advocate, case):
    # One viewer throughout: logging in again would change the key anyway (see above).
    cached_twice(client, advocate, case)

    TimelineEvent.objects.create(
        complaint=case, kind=TimelineEvent.Kind.NOTE, note="只给援助人员的备注", internal=True
    )

    assert "只给援助人员的备注" in seen(client, advocate, case)


def test_it_shows_a_change_of_status_made_in_bulk(client, borrower, case):
    cached_twice(client, borrower, case)

    Complaint.objects.filter(pk=case.pk).update(status=Status.RESOLVED, status_changed_at=timezone.now())

    assert 'name="to_status" value="waiting_lender"' not in seen(client, borrower, case)
    assert "这起投诉已解决" in seen(client, borrower, case)


def test_it_shows_a_follow_up_question_and_a_request_for_information(client, borrower, advocate, case):
    now = timezone.now()
    Complaint.objects.filter(pk=case.pk).update(status=Status.RESOLVED, status_changed_at=now)
    case.refresh_from_db()
    cached_twice(client, borrower, case)

    FollowUp.objects.create(complaint=case, closed_at=now, round="2w", asked_at=now)
    assert 'id="followup"' in seen(client, borrower, case)

    InfoRequest.objects.create(complaint=case, message="请上传通话录音", requested_by=advocate)
    assert "请上传通话录音" in seen(client, borrower, case)


def test_it_forgets_a_deleted_advocate_on_the_timeline(client, borrower, case):
    gone = UserFactory(role="advocate")
    TimelineEvent.objects.filter(complaint=case).update(actor=gone)
    before = cached_twice(client, borrower, case)
    assert before.count("援助人员") >= 10
    start = revision(case)

    gone.delete()  # its events keep their place, with no actor

    assert revision(case) > start
    after = seen(client, borrower, case)
    assert after.count("援助人员") < before.count("援助人员")


def test_a_funder_of_the_brand_shows_at_once_without_touching_every_complaint(client, borrower, case):
    """The institutions behind a brand move the registry's one revision, not the revision of
    each of their complaints (thousands of rows rewritten for one edit)."""
    from complaints.models import Institution, RegistryRevision

    start, registry = revision(case), RegistryRevision.objects.get_or_create(pk=1)[0].revision
    before = cached_twice(client, borrower, case)

    link = BrandFunder.objects.create(
        brand=case.lender, institution=InstitutionFactory(name="某某新消费金融有限公司")
    )
    added = seen(client, borrower, case)
    Institution.objects.filter(pk=link.institution_id).update(name="某某改名消费金融有限公司")
    renamed = seen(client, borrower, case)
    BrandFunder.objects.filter(pk=link.pk).delete()
    removed = seen(client, borrower, case)

    assert revision(case) == start
    assert RegistryRevision.objects.get(pk=1).revision >= registry + 3
    assert "某某新消费金融有限公司" not in before and "某某新消费金融有限公司" in added
    assert "某某改名消费金融有限公司" in renamed
    assert "某某改名消费金融有限公司" not in removed


def test_a_change_to_another_complaint_leaves_this_one_cached(client, borrower, case):
    other = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    start = revision(case)

    IncidentFactory(complaint=other)
    TimelineEvent.objects.create(complaint=other, kind=TimelineEvent.Kind.NOTE, note="别的")

    assert revision(case) == start


def test_it_shows_an_answer_falling_due_the_moment_it_does(client, borrower, case):
    escalation = case.escalations.filter(status=EscalationStatus.SENT).get()
    due = timezone.now() + timedelta(hours=2)
    Escalation.objects.filter(pk=escalation.pk).update(due_at=due)
    case.escalations.exclude(pk=escalation.pk).update(status=EscalationStatus.CLOSED)
    case.refresh_from_db()

    with time_machine.travel(due - timedelta(minutes=1), tick=False):
        assert "答复已超期" not in cached_twice(client, borrower, case)
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        assert "答复已超期" in seen(client, borrower, case)


# --- Nobody gets someone else's body -------------------------------------------------------


def test_a_borrower_never_gets_the_advocates_body_nor_the_reverse(client, borrower, advocate, case):
    TimelineEvent.objects.create(
        complaint=case, kind=TimelineEvent.Kind.NOTE, note="只给援助人员看", internal=True
    )

    as_advocate = cached_twice(client, advocate, case)
    as_borrower = cached_twice(client, borrower, case)
    as_advocate_again = seen(client, advocate, case)

    assert 'id="case-panel"' in as_advocate
    assert "只给援助人员看" in as_advocate
    assert 'id="case-panel"' not in as_borrower
    assert "只给援助人员看" not in as_borrower
    assert 'id="evidence-upload"' in as_borrower  # the filer's own tools
    assert as_advocate_again.count("只给援助人员看") == 1


def test_two_advocates_each_get_their_own_panel(client, advocate, case):
    other = UserFactory(role="advocate")
    Complaint.objects.filter(pk=case.pk).update(assignee=advocate)

    mine = cached_twice(client, advocate, case)
    theirs = cached_twice(client, other, case)

    assert 'name="take"' not in mine  # already theirs
    assert 'name="take"' in theirs


def test_two_borrowers_never_share_a_key(rf, borrower, case):
    stranger = UserFactory()
    keys = set()
    for user in (borrower, stranger):
        request = rf.get(case.get_absolute_url())
        request.user = user
        keys.add(page.body_key(request, case))

    assert len(keys) == 2


def test_each_view_gets_its_own_csrf_token_in_the_cached_body(client, borrower, case):
    cached_twice(client, borrower, case)
    client.logout()  # a new session, a new CSRF secret
    client.cookies.pop("csrftoken", None)

    body = page_with_tokens(client, borrower, case)

    tokens = TOKEN.findall(body)
    assert len(tokens) > 5
    assert all(len(token) == 64 and token.isalnum() for token in tokens)
    assert "\x00" not in body


def test_the_language_switch_shows_the_other_language(client, borrower, case):
    client.force_login(borrower)
    client.cookies["django_language"] = "zh-hans"
    chinese = cached_twice(client, borrower, case)
    client.cookies["django_language"] = "en"
    english = seen(client, borrower, case)

    assert "进度记录" in chinese
    assert "Timeline" in english
    assert "进度记录" not in english


def test_the_days_left_change_at_midnight_in_china(client, borrower, case):
    evening = datetime(2026, 11, 10, 23, 59, tzinfo=CHINA_TZ)
    Escalation.objects.filter(complaint=case).update(
        sent_at=evening - timedelta(days=3), due_at=evening + timedelta(days=6)
    )
    case.refresh_from_db()

    with time_machine.travel(evening, tick=False):
        before = cached_twice(client, borrower, case)
    with time_machine.travel(evening + timedelta(minutes=2), tick=False):
        after = seen(client, borrower, case)

    assert after != before
