"""Flash messages: in a signed cookie, so that a form's success writes no session row."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.complaints.test_filing import filing, incident
from tests.factories import LenderFactory

pytestmark = pytest.mark.django_db


def test_a_message_rides_in_a_cookie_to_the_next_page(client, borrower):
    LenderFactory(name="小赢卡贷")
    client.force_login(borrower)

    response = client.post(reverse("complaints:create"), filing(incident(0)))

    assert response.status_code == 302
    assert response.cookies["messages"].value
    shown = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert len(shown) == 1
    assert response["Location"].strip("/").split("/")[-1] in shown[0]  # the new reference
    # Read once: the next page shows nothing again.
    assert not list(client.get(response["Location"]).context["messages"])


def test_a_forged_message_cookie_is_ignored(client, borrower):
    client.force_login(borrower)
    client.cookies["messages"] = "forged:value"

    page = client.get(reverse("complaints:mine"))

    assert page.status_code == 200
    assert not list(page.context["messages"])
