"""Headers, login throttling and session rules, each through real requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get(reverse("home"))["Content-Security-Policy"]

    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_evidence_keeps_its_own_sandbox_policy(client, borrower):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from complaints.models import Status
    from evidence.models import Evidence
    from tests.evidence import files
    from tests.factories import ComplaintFactory

    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    client.force_login(borrower)
    client.post(
        reverse("evidence:upload", args=[complaint.reference]),
        {"files": [SimpleUploadedFile("a.png", files.png())]},
        headers={"Accept": "application/json"},
    )

    policy = client.get(reverse("evidence:download", args=[Evidence.objects.get().public_id]))[
        "Content-Security-Policy"
    ]

    assert "sandbox" in policy


def _fail(client, username, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": "wrong"}, REMOTE_ADDR=address)


def test_five_failures_lock_the_account_from_that_address_even_for_the_right_password(client):
    UserFactory(username="alice", phone="13911112222")
    # Different spellings of the same account share one counter.
    for spelling in ["13911112222", "139 1111 2222", "+86 139-1111-2222", "alice", "13911112222"]:
        _fail(client, spelling)

    locked = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )

    assert locked.status_code == 429
    assert "尝试次数过多" in locked.content.decode()
    elsewhere = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert elsewhere.status_code == 302


def test_the_lock_lifts_after_the_cool_off(client):
    UserFactory(username="alice", phone="13911112222")
    for _ in range(5):
        _fail(client, "alice")

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = client.post(
            reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
        )

    assert response.status_code == 302


def test_an_unknown_account_gets_the_same_answer_as_a_wrong_password(client):
    UserFactory(username="alice", phone="13911112222")

    unknown = client.post(reverse("login"), {"username": "13999999999", "password": "x"})
    wrong = client.post(reverse("login"), {"username": "13911112222", "password": "x"})

    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].errors == wrong.context["form"].errors


def test_an_idle_advocate_is_logged_out_but_a_borrower_is_not(client, advocate, borrower):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(advocate)
        assert client.get(reverse("cases:queue")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        response = client.get(reverse("cases:queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

    client.force_login(borrower)
    with time_machine.travel(start + timedelta(minutes=40), tick=False):
        client.get(reverse("complaints:mine"))
    with time_machine.travel(start + timedelta(minutes=80), tick=False):
        assert client.get(reverse("complaints:mine")).status_code == 200


def test_the_idle_timeouts_redirect_carries_the_sites_headers_and_its_message(client, advocate):
    # The account layer answers from inside the stack: the frame, policy and message
    # layers around it still see its answer.
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(advocate)
        client.get(reverse("cases:queue"))
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        response = client.get(reverse("cases:queue"))
        assert response.status_code == 302
        assert response["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"
        login = client.get(response["Location"])
    assert "_auth_user_id" not in client.session
    assert [str(m) for m in login.context["messages"]] == [
        "由于长时间没有操作，您已自动退出登录。请重新登录。"
    ]


def test_a_visitor_without_a_session_is_anonymous_to_the_views(client):
    response = client.get(reverse("home"))
    assert response.wsgi_request.user.is_anonymous
    assert not response.wsgi_request.user.is_verified()


def test_an_active_advocate_stays_logged_in(client, advocate):
    start = timezone.now()
    client.force_login(advocate)
    for minutes in (0, 20, 40, 60):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("cases:queue")).status_code == 200


def test_login_rotates_the_session_key(client):
    UserFactory(username="alice", phone="13911112222")
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key

    client.post(reverse("login"), {"username": "alice", "password": PASSWORD})

    assert client.session.session_key != before


def test_the_policy_follows_a_changed_setting(client, settings):
    """The header is built once; a changed setting must still be honoured."""
    client.get(reverse("home"))
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}

    assert client.get(reverse("home"))["Content-Security-Policy"] == "default-src 'none'"


def test_the_language_follows_the_switcher_then_the_browser(client):
    assert client.get(reverse("home"), headers={"Accept-Language": "en"})["Content-Language"] == "en"
    chinese = client.get(reverse("home"), headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert chinese["Content-Language"] == "zh-hans"
    assert "Accept-Language" in chinese["Vary"]

    client.post(reverse("set_language"), {"language": "en"})
    assert client.get(reverse("home"), headers={"Accept-Language": "zh-CN"})["Content-Language"] == "en"
