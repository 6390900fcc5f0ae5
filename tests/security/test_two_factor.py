"""Two-step login: required for advocates and admins, available to borrowers."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("two_factor_on")]


@pytest.fixture
def two_factor_on():
    with override_settings(TWO_FACTOR_REQUIRED_FOR_CASEWORKERS=True):
        yield


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def login(client, user) -> None:
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_an_advocate_without_a_device_must_set_one_up_first(client, advocate):
    login(client, advocate)

    blocked = client.get(reverse("cases:queue"))
    assert blocked.status_code == 302
    assert blocked["Location"].startswith(reverse("two_factor_setup"))
    setup = client.get(blocked["Location"])
    assert "<svg" in setup.content.decode()

    device = TOTPDevice.objects.get(user=advocate, confirmed=False)
    client.post(reverse("two_factor_setup"), {"token": code(device), "next": reverse("cases:queue")})

    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("cases:queue")).status_code == 200


def test_an_advocate_with_a_device_needs_the_code_after_the_password(client, advocate):
    device = TOTPDevice.objects.create(user=advocate, name="phone", confirmed=True)
    login(client, advocate)

    assert client.get(reverse("cases:queue"))["Location"].startswith(reverse("two_factor_verify"))
    wrong = client.post(reverse("two_factor_verify"), {"token": "000000"})
    assert wrong.status_code == 200
    assert client.get(reverse("cases:queue")).status_code == 302

    # A wrong code slows further tries down (django-otp's throttling): wait it out.
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        device.refresh_from_db()
        client.post(reverse("two_factor_verify"), {"token": code(device)})
        assert client.get(reverse("cases:queue")).status_code == 200


def test_the_admin_is_behind_the_second_step_too(client, admin_user):
    TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    login(client, admin_user)

    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("two_factor_verify"))


def test_borrowers_need_no_code_unless_they_turned_it_on(client, borrower):
    login(client, borrower)
    assert client.get(reverse("complaints:mine")).status_code == 200

    TOTPDevice.objects.create(user=borrower, name="phone", confirmed=True)
    client.logout()
    login(client, borrower)
    assert client.get(reverse("complaints:mine"))["Location"].startswith(reverse("two_factor_verify"))


def test_an_offsite_next_is_not_followed(client, advocate):
    device = TOTPDevice.objects.create(user=advocate, name="phone", confirmed=True)
    login(client, advocate)

    response = client.post(
        reverse("two_factor_verify"), {"token": code(device), "next": "https://evil.example/"}
    )

    assert "evil.example" not in response["Location"]


def test_a_device_set_up_in_another_session_is_required_at_once(client, borrower):
    """The per-user answer is cached; adding a device elsewhere must not wait for it to expire."""
    login(client, borrower)
    assert client.get(reverse("complaints:mine")).status_code == 200  # "no device" now cached

    TOTPDevice.objects.create(user=borrower, name="phone", confirmed=True)

    assert client.get(reverse("complaints:mine"))["Location"].startswith(reverse("two_factor_verify"))


def test_removing_the_device_lifts_the_requirement(client, borrower):
    device = TOTPDevice.objects.create(user=borrower, name="phone", confirmed=True)
    login(client, borrower)
    assert client.get(reverse("complaints:mine")).status_code == 302

    device.delete()

    assert client.get(reverse("complaints:mine")).status_code == 200


def test_a_borrowers_pages_do_not_ask_for_devices_each_time(client, borrower):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, borrower)
    client.get(reverse("complaints:mine"))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("complaints:mine")).status_code == 200

    assert not [q for q in ctx.captured_queries if "otp_" in q["sql"]]
