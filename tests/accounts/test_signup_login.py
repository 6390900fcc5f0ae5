from __future__ import annotations

import pytest
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


def test_it_signs_up_with_a_mobile_number_and_logs_in(client):
    response = client.post(reverse("signup"), GOOD)

    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:create")
    user = User.objects.get()
    assert user.phone == "13912345678"
    assert user.username == "13912345678"
    assert user.role == Role.BORROWER
    # Signed in straight away: the next page is for logged-in users only.
    assert client.get(reverse("complaints:mine")).status_code == 200


def test_it_refuses_a_number_that_is_not_a_mainland_mobile(client):
    response = client.post(reverse("signup"), {**GOOD, "phone": "12345"})

    assert response.status_code == 200
    assert "请输入中国大陆手机号" in response.content.decode()
    assert not User.objects.exists()
    # What was typed stays in the form.
    assert 'value="小王"' in response.content.decode()


def test_it_needs_agreement_to_the_notice_and_records_it(client):
    from accounts.models import Consent

    refused = client.post(reverse("signup"), {**GOOD, "accept_notice": ""})
    assert refused.status_code == 200
    assert not User.objects.exists()

    client.post(reverse("signup"), GOOD)
    consent = Consent.objects.get()
    assert (consent.user.phone, consent.purpose) == ("13912345678", "processing")


def test_it_refuses_a_number_that_already_has_an_account(client):
    UserFactory(username="someone", phone="13912345678")

    response = client.post(reverse("signup"), GOOD)

    assert response.status_code == 200
    assert User.objects.count() == 1


def test_it_refuses_mismatched_and_weak_passwords(client):
    mismatch = client.post(reverse("signup"), {**GOOD, "password2": "something else entirely"})
    weak = client.post(reverse("signup"), {**GOOD, "password1": "12345678", "password2": "12345678"})

    assert mismatch.status_code == 200
    assert weak.status_code == 200
    assert not User.objects.exists()


def test_it_accepts_an_optional_email_once(client):
    UserFactory(username="x", phone="13800001111", email="taken@example.com")

    response = client.post(reverse("signup"), {**GOOD, "email": "Taken@Example.com"})

    assert response.status_code == 200
    assert User.objects.count() == 1


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
