"""The inbox costs the same queries whatever a person has been told (issue 20)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Delivery, Kind, Reminder
from tests.factories import ComplaintFactory

pytestmark = pytest.mark.django_db


def remind(user, n: int, start: int = 0) -> None:
    now = timezone.now()
    for i in range(start, start + n):
        reminder = Reminder.objects.create(
            recipient=user,
            kind=Kind.ESCALATION_DUE_SOON,
            object_id=i,
            complaint=ComplaintFactory(filer=user),
            due_at=now - timedelta(minutes=i),
            created=now - timedelta(minutes=i),
            title=f"答复快到期了 {i}",
            body="还有两天。",
            link="/complaints/",
            read_at=now if i % 2 else None,
        )
        Delivery.objects.create(reminder=reminder, channel="email", send_after=now, state="sent")


def queries(client) -> tuple[int, str]:
    client.get(reverse("notifications:inbox"))  # as on a running server: the bell's count cached
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_inbox_costs_the_same_with_1_or_30_reminders(client, borrower):
    client.force_login(borrower)
    remind(borrower, 1)
    small, _page = queries(client)
    remind(borrower, 29, start=1)
    large, page = queries(client)

    assert large == small
    assert page.count("答复快到期了") == 20  # one page


def test_the_inbox_shows_only_ones_own_reminders(client, borrower, other_borrower):
    remind(other_borrower, 3)
    client.force_login(borrower)

    _queries, page = queries(client)

    assert "答复快到期了" not in page
