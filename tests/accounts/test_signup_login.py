from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from accounts.models import Role, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "phone": "+86 139-1234-5678",
    "email": "",
    "display_name": "小王",
    "password1": "a long enough secret",
    "password2": "a long enough secret",
    "accept_notice": "on",
}


def code_from(sms_outbox) -> str:
    return re.search(r"\b(\d{6})\b", sms_outbox[-1][1]).group(1)


def sign_up(client, sms_outbox, data=GOOD):
    """Both steps, as a person does them: the form, then the code from the SMS."""
    first = client.post(reverse("signup"), data)
    assert first["Location"] == reverse("signup_verify")
    return client.post(reverse("signup_verify"), {"code": code_from(sms_outbox)})


def test_it_signs_up_with_a_mobile_number_proven_by_sms_and_logs_in(client, sms_outbox):
    first = client.post(reverse("signup"), GOOD)

    assert first.status_code == 302
    assert not User.objects.exists()  # not before the number is proven
    assert [number for number, _text in sms_outbox] == ["13912345678"]
    page = client.get(first["Location"]).content.decode()
    assert "139****5678" in page

    response = client.post(reverse("signup_verify"), {"code": code_from(sms_outbox)})

    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:create")
    user = User.objects.get()
    assert user.phone == "13912345678"
    assert user.username == "13912345678"
    assert user.role == Role.BORROWER
    assert user.check_password("a long enough secret")
    # Signed in straight away: the next page is for logged-in users only.
    assert client.get(reverse("complaints:mine")).status_code == 200


def test_it_refuses_a_number_that_is_not_a_mainland_mobile(client, sms_outbox):
    response = client.post(reverse("signup"), {**GOOD, "phone": "12345"})

    assert response.status_code == 200
    assert "请输入中国大陆手机号" in response.content.decode()
    assert not User.objects.exists()
    assert sms_outbox == []
    # What was typed stays in the form.
    assert 'value="小王"' in response.content.decode()


def test_it_needs_agreement_to_the_notice_and_records_it(client, sms_outbox):
    from accounts.models import Consent

    refused = client.post(reverse("signup"), {**GOOD, "accept_notice": ""})
    assert refused.status_code == 200
    assert not User.objects.exists()

    sign_up(client, sms_outbox)
    consent = Consent.objects.get()
    assert (consent.user.phone, consent.purpose) == ("13912345678", "processing")


def verify_page(client, data) -> tuple[int, str, str]:
    client.cookies.clear()
    first = client.post(reverse("signup"), data)
    page = client.get(reverse("signup_verify")).content.decode()
    return first.status_code, first.get("Location", ""), re.sub(r'value="[^"]{20,}"', "", page)


def test_it_answers_the_same_for_a_registered_and_an_unregistered_number(client, sms_outbox):
    UserFactory(username="someone", phone="13912345678", language="zh-hans")

    registered = verify_page(client, GOOD)
    unregistered = verify_page(client, {**GOOD, "phone": "139 8765 5678"})

    # Same status, same next page, same words (both numbers mask to 139****5678).
    assert registered == unregistered
    assert "已经注册" not in registered[2]
    # The owner is told, and gets no code; the newcomer gets one.
    (owner_number, owner_text), (new_number, new_text) = sms_outbox
    assert owner_number == "13912345678"
    assert "/accounts/login/" in owner_text
    assert not re.search(r"\b\d{6}\b", owner_text)
    assert new_number == "13987655678" and re.search(r"\b\d{6}\b", new_text)


def test_no_code_makes_an_account_for_a_registered_number(client, sms_outbox):
    UserFactory(username="someone", phone="13912345678")
    client.post(reverse("signup"), GOOD)

    responses = [client.post(reverse("signup_verify"), {"code": f"{n:06d}"}) for n in range(6)]

    assert all(r.status_code == 200 for r in responses)
    assert User.objects.count() == 1
    assert "验证码" in responses[-1].content.decode()


def test_the_code_is_kept_only_as_a_keyed_digest_and_the_password_hashed(client, sms_outbox):
    client.post(reverse("signup"), GOOD)

    stored = str(dict(client.session))

    assert code_from(sms_outbox) not in stored
    assert "a long enough secret" not in stored


def test_a_code_allows_five_tries(client, sms_outbox):
    client.post(reverse("signup"), GOOD)
    code = code_from(sms_outbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post(reverse("signup_verify"), {"code": wrong})

    response = client.post(reverse("signup_verify"), {"code": code})

    assert response.status_code == 200
    assert not User.objects.exists()


def test_a_code_expires_after_ten_minutes(client, sms_outbox):
    start = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        client.post(reverse("signup"), GOOD)
    with time_machine.travel(start + timedelta(minutes=10, seconds=1), tick=False):
        response = client.post(reverse("signup_verify"), {"code": code_from(sms_outbox)})

    assert response.status_code == 200
    assert "过期" in response.content.decode()
    assert not User.objects.exists()


def test_a_new_sms_replaces_the_old_code(client, sms_outbox):
    client.post(reverse("signup"), GOOD)
    old = code_from(sms_outbox)
    client.post(reverse("signup_verify"), {"resend": "1"})
    new = code_from(sms_outbox)

    if old != new:
        assert client.post(reverse("signup_verify"), {"code": old}).status_code == 200
    response = client.post(reverse("signup_verify"), {"code": new})

    assert len(sms_outbox) == 2
    assert response.status_code == 302
    assert User.objects.count() == 1


def test_going_back_keeps_what_was_typed(client, sms_outbox):
    client.post(reverse("signup"), {**GOOD, "email": "wang@example.com"})

    page = client.get(reverse("signup")).content.decode()

    assert 'value="13912345678"' in page
    assert 'value="wang@example.com"' in page
    assert 'value="小王"' in page
    assert "a long enough secret" not in page


@override_settings(RATE_LIMITS={"signup": (2, 100, 3600)})
def test_codes_are_limited_per_number_from_any_address(client, sms_outbox):
    statuses = [client.post(reverse("signup"), GOOD, REMOTE_ADDR=f"10.0.0.{n}").status_code for n in range(3)]

    assert statuses == [302, 302, 429]
    assert len(sms_outbox) == 2


@override_settings(DEBUG=True, SMS_BACKEND="lib.sms.LoggingSmsBackend")
def test_in_development_the_page_shows_the_sms_marked_as_such(client):
    client.post(reverse("signup"), GOOD)

    page = client.get(reverse("signup_verify")).content.decode()
    code = re.search(r'id="dev-sms".*?(\d{6})', page, re.S).group(1)

    assert "仅供开发" in page
    assert client.post(reverse("signup_verify"), {"code": code}).status_code == 302


@pytest.mark.parametrize(
    "debug,backend", [(False, "lib.sms.LoggingSmsBackend"), (True, "lib.sms.MemorySmsBackend")]
)
def test_the_page_never_shows_the_sms_otherwise(client, sms_outbox, debug, backend):
    with override_settings(DEBUG=debug, SMS_BACKEND=backend):
        client.post(reverse("signup"), GOOD)
        page = client.get(reverse("signup_verify")).content.decode()

    assert 'id="dev-sms"' not in page
    assert not re.search(r"\b\d{6}\b", re.sub(r'value="[^"]*"', "", page))


def test_it_refuses_mismatched_and_weak_passwords(client, sms_outbox):
    mismatch = client.post(reverse("signup"), {**GOOD, "password2": "something else entirely"})
    weak = client.post(reverse("signup"), {**GOOD, "password1": "12345678", "password2": "12345678"})

    assert mismatch.status_code == 200
    assert weak.status_code == 200
    assert not User.objects.exists()
    assert sms_outbox == []


def test_a_taken_email_is_not_revealed_before_the_number_is_proven(client, sms_outbox):
    UserFactory(username="x", phone="13800001111", email="taken@example.com")

    first = client.post(reverse("signup"), {**GOOD, "email": "Taken@Example.com"})
    response = client.post(reverse("signup_verify"), {"code": code_from(sms_outbox)}, follow=True)

    assert first.status_code == 302
    assert User.objects.count() == 2
    assert User.objects.get(phone="13912345678").email == ""
    assert "另一个账户" in response.content.decode()


@pytest.mark.parametrize(
    "identifier", ["alice", "13911112222", "139 1111 2222", "+8613911112222", "ALICE@example.com"]
)
def test_it_logs_in_with_username_phone_or_email(client, identifier):
    UserFactory(username="alice", phone="13911112222", email="alice@example.com")

    response = client.post(reverse("login"), {"username": identifier, "password": PASSWORD})

    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse("complaints:mine")


def test_it_refuses_a_wrong_password_with_a_clear_message(client):
    UserFactory(username="alice", phone="13911112222")

    response = client.post(reverse("login"), {"username": "13911112222", "password": "wrong"})

    assert response.status_code == 200
    assert "账号和密码不匹配" in response.content.decode()


def test_it_does_not_follow_an_offsite_next(client):
    UserFactory(username="alice", phone="13911112222")

    response = client.post(
        reverse("login") + "?next=https://evil.example/",
        {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_logout_needs_post_and_ends_the_session(client, borrower):
    client.force_login(borrower)

    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("complaints:mine")).status_code == 302


def test_password_change_and_reset_pages_answer(client, borrower):
    assert client.get(reverse("password_reset")).status_code == 200
    client.force_login(borrower)
    assert client.get(reverse("password_change")).status_code == 200


def test_password_reset_sends_a_link_to_a_known_email(client, mailoutbox):
    UserFactory(username="alice", phone="13911112222", email="alice@example.com")

    client.post(reverse("password_reset"), {"email": "alice@example.com"})

    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body


@override_settings(RATE_LIMITS={"password_reset": (5, 10, 3600)})
def test_password_resets_are_limited_per_address(client, mailoutbox):
    for n in range(11):
        UserFactory(username=f"u{n}", phone=f"1391111{n:04d}", email=f"u{n}@example.com")

    statuses = [
        client.post(reverse("password_reset"), {"email": f"u{n}@example.com"}).status_code for n in range(11)
    ]

    assert statuses == [302] * 10 + [429]
    assert len(mailoutbox) == 10


@override_settings(RATE_LIMITS={"password_reset": (5, 100, 3600)})
@pytest.mark.parametrize("email", ["alice@example.com", "nobody@example.com"])
def test_password_resets_are_limited_per_account_whether_it_exists_or_not(client, mailoutbox, email):
    UserFactory(username="alice", phone="13911112222", email="alice@example.com")
    typed = [email, email.upper(), f" {email} ", email, email, email]

    statuses = [
        client.post(reverse("password_reset"), {"email": t}, REMOTE_ADDR=f"10.0.1.{n}").status_code
        for n, t in enumerate(typed)
    ]

    # The same answers for a registered and an unknown address: nothing to learn from them.
    assert statuses == [302] * 5 + [429]
    assert len(mailoutbox) == (5 if email.startswith("alice") else 0)


def test_filing_while_logged_out_offers_sign_up_first(client):
    response = client.get(reverse("complaints:create"), follow=True)

    main = response.content.decode().split('id="main"', 1)[1]
    assert 'id="new-here"' in main
    assert main.index(f'href="{reverse("signup")}"') < main.index('name="password"')


def test_a_plain_login_has_no_sign_up_card(client):
    html = client.get(reverse("login")).content.decode()

    assert 'id="new-here"' not in html
