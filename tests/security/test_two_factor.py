"""Two-step login: required for advocates and admins, available to borrowers."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client, override_settings
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


def turn_on(client, user) -> None:
    """Two-step login turned on the way a person does it: the setup page, then a code."""
    client.force_login(user)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    client.post(reverse("two_factor_setup"), {"token": code(device)})
    device.refresh_from_db()
    assert device.confirmed


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

    turn_on(client, borrower)
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

    turn_on(Client(), borrower)

    assert client.get(reverse("complaints:mine"))["Location"].startswith(reverse("two_factor_verify"))


def test_removing_the_device_lifts_the_requirement(client, borrower, admin_user):
    """A lost phone, removed by an administrator in the admin."""
    device = TOTPDevice.objects.create(user=borrower, name="phone", confirmed=True)
    login(client, borrower)
    assert client.get(reverse("complaints:mine")).status_code == 302
    staff = Client()
    staff.force_login(admin_user)
    staff_device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    staff.post(reverse("two_factor_verify"), {"token": code(staff_device)})

    staff.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})

    assert not TOTPDevice.objects.filter(pk=device.pk).exists()

    assert client.get(reverse("complaints:mine")).status_code == 200


def test_a_borrowers_pages_do_not_ask_for_devices_each_time(client, borrower):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, borrower)
    client.get(reverse("complaints:mine"))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("complaints:mine")).status_code == 200

    assert not [q for q in ctx.captured_queries if "otp_" in q["sql"]]


def test_the_password_alone_cannot_enrol_a_second_device(client, advocate):
    """The bypass found by testing as an attacker: with a device already confirmed, the
    setup page handed out a fresh secret, and its code verified the session."""
    TOTPDevice.objects.create(user=advocate, name="phone", confirmed=True)
    login(client, advocate)

    page = client.get(reverse("two_factor_setup"))

    assert page.status_code == 302
    assert page["Location"].startswith(reverse("two_factor_verify"))
    assert not TOTPDevice.objects.filter(user=advocate, confirmed=False).exists()
    attacker = TOTPDevice.objects.create(user=advocate, name="attacker", confirmed=False)
    posted = client.post(reverse("two_factor_setup"), {"token": code(attacker)})
    assert posted["Location"].startswith(reverse("two_factor_verify"))
    attacker.refresh_from_db()
    assert not attacker.confirmed
    assert client.get(reverse("cases:queue"))["Location"].startswith(reverse("two_factor_verify"))
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("two_factor_verify"))


def test_replacing_the_device_needs_the_current_code(client, advocate):
    old = TOTPDevice.objects.create(user=advocate, name="phone", confirmed=True)
    login(client, advocate)
    client.post(reverse("two_factor_verify"), {"token": code(old)})
    assert client.get(reverse("cases:queue")).status_code == 200

    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    assert 'name="current_token"' in page.content.decode()
    new = TOTPDevice.objects.get(user=advocate, confirmed=False)
    refused = client.post(reverse("two_factor_setup"), {"token": code(new), "current_token": "000000"})

    assert refused.status_code == 200
    new.refresh_from_db()
    assert not new.confirmed
    assert TOTPDevice.objects.filter(user=advocate, confirmed=True).get() == old


def test_replacing_the_device_retires_the_old_one_and_is_logged_and_told(client, advocate):
    from audit.models import Action, AuditEvent
    from notifications.models import Kind, Reminder

    advocate.email = "adv@example.org"
    advocate.save()
    old = TOTPDevice.objects.create(user=advocate, name="phone", confirmed=True)
    login(client, advocate)
    client.post(reverse("two_factor_verify"), {"token": code(old)})
    client.get(reverse("two_factor_setup"))
    new = TOTPDevice.objects.get(user=advocate, confirmed=False)

    # Codes are single-use per time step: move on so the old device's next code is fresh.
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        old.refresh_from_db()
        response = client.post(reverse("two_factor_setup"), {"token": code(new), "current_token": code(old)})

    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=advocate)) == [new]
    new.refresh_from_db()
    assert new.confirmed
    event = AuditEvent.objects.get(actor=advocate, action=Action.TWO_FACTOR_CHANGE)
    assert event.detail == "two_factor_replaced"
    notice = Reminder.objects.get(recipient=advocate, kind=Kind.ACCOUNT_SECURITY)
    assert {d.channel for d in notice.deliveries.all()} == {"app", "email"}
    assert client.get(reverse("cases:queue")).status_code == 200


def test_the_first_device_is_logged_and_told_too(client, advocate):
    from audit.models import Action, AuditEvent
    from notifications.models import Kind, Reminder

    login(client, advocate)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=advocate, confirmed=False)
    client.post(reverse("two_factor_setup"), {"token": code(device)})

    assert (
        AuditEvent.objects.get(actor=advocate, action=Action.TWO_FACTOR_CHANGE).detail == "two_factor_added"
    )
    assert Reminder.objects.filter(recipient=advocate, kind=Kind.ACCOUNT_SECURITY).count() == 1


def test_the_service_refuses_a_replacement_from_an_unverified_session(advocate):
    from accounts.services import TwoFactorError, two_factor_device_confirm

    old = TOTPDevice.objects.create(user=advocate, name="phone", confirmed=True)
    new = TOTPDevice.objects.create(user=advocate, name="new", confirmed=False)

    with pytest.raises(TwoFactorError):
        two_factor_device_confirm(
            user=advocate,
            device=new,
            token=code(new),
            current_token=code(old),
            session_verified=False,
            now=timezone.now(),
        )
    new.refresh_from_db()
    assert not new.confirmed
