"""Choosing a new password with a code sent by SMS to the account's number."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.services import signup_code_digest
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW = "a new and long enough secret"


def code_from(sms_outbox) -> str:
    return re.search(r"\b(\d{6})\b", sms_outbox[-1][1]).group(1)


@pytest.fixture
def phone_only(db):
    return UserFactory(phone="13912345678", username="13912345678", email="")


def confirm(client, code, password=NEW):
    return client.post(
        reverse("password_reset_sms_confirm"),
        {"code": code, "new_password1": password, "new_password2": password},
    )


def test_it_resets_a_phone_only_password_by_sms(client, sms_outbox, phone_only):
    first = client.post(reverse("password_reset_sms"), {"phone": "139 1234 5678"})

    assert first["Location"] == reverse("password_reset_sms_confirm")
    assert [number for number, _text in sms_outbox] == ["13912345678"]
    response = confirm(client, code_from(sms_outbox))

    assert response["Location"] == reverse("login")
    phone_only.refresh_from_db()
    assert phone_only.check_password(NEW)
    assert not phone_only.check_password(PASSWORD)
    # The code is spent with the pending reset.
    assert client.get(reverse("password_reset_sms_confirm"))["Location"] == reverse("password_reset_sms")


def test_it_answers_the_same_for_an_unknown_number(client, sms_outbox, phone_only):
    def ask(number):
        client.cookies.clear()
        response = client.post(reverse("password_reset_sms"), {"phone": number})
        page = client.get(response["Location"]).content.decode()
        return response.status_code, response["Location"], page.replace("csrfmiddlewaretoken", "")

    known = ask("13912345678")
    unknown = ask("13987655678")

    assert (known[0], known[1]) == (unknown[0], unknown[1])
    assert "139****5678" in known[2] and "139****5678" in unknown[2]
    # The unknown number was told it has no account, and got no code.
    assert sms_outbox[-1][0] == "13987655678"
    assert not re.search(r"\b\d{6}\b", sms_outbox[-1][1])


def test_a_wrong_code_changes_nothing_and_counts(client, sms_outbox, phone_only):
    client.post(reverse("password_reset_sms"), {"phone": "13912345678"})
    wrong = "000000" if code_from(sms_outbox) != "000000" else "111111"

    response = confirm(client, wrong)

    assert response.status_code == 200
    assert "验证码不正确，还可以尝试 4 次。" in response.content.decode()
    phone_only.refresh_from_db()
    assert phone_only.check_password(PASSWORD)


def test_a_code_expires_after_ten_minutes(client, sms_outbox, phone_only):
    client.post(reverse("password_reset_sms"), {"phone": "13912345678"})
    code = code_from(sms_outbox)

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        response = confirm(client, code)

    assert response.status_code == 200
    phone_only.refresh_from_db()
    assert phone_only.check_password(PASSWORD)


def test_a_sign_up_code_does_not_reset_a_password(client, sms_outbox, phone_only):
    client.post(reverse("password_reset_sms"), {"phone": "13912345678"})
    session = client.session
    pending = session["password_reset_sms"]
    # A digest made for sign-up with the same nonce and code.
    pending["digest"] = signup_code_digest(nonce=pending["nonce"], phone="13912345678", code="123456")
    session["password_reset_sms"] = pending
    session.save()

    confirm(client, "123456")

    phone_only.refresh_from_db()
    assert phone_only.check_password(PASSWORD)


def test_it_limits_codes_per_number(client, sms_outbox, phone_only):
    statuses = [
        client.post(reverse("password_reset_sms"), {"phone": "13912345678"}).status_code for _ in range(6)
    ]

    assert statuses == [302] * 5 + [429]
    assert len(sms_outbox) == 5
