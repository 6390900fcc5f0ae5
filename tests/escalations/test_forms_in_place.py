"""A form on the complaint page that fails comes back in its place, with its errors and
everything typed, and the next-step card leads the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from escalations.models import Escalation
from escalations.services import escalation_record

pytestmark = pytest.mark.django_db


def test_the_page_starts_with_the_next_step(client, letter_case, borrower):
    client.force_login(borrower)

    html = client.get(letter_case.get_absolute_url()).content.decode()

    assert html.index('id="next-step"') < html.index('id="facts"')
    assert html.index('id="next-step"') < html.index('id="route"')
    # Closing is not the next step: it waits at the end, folded.
    assert html.index('id="other-actions"') > html.index('id="timeline-title"')


def test_a_bad_date_keeps_the_recipient_the_way_and_the_reference(client, letter_case, borrower):
    client.force_login(borrower)
    regulator_key = f"lender-{letter_case.lender_id}"
    future = (timezone.localdate() + timedelta(days=5)).isoformat()

    response = client.post(
        reverse("regulators:escalation_record", args=[letter_case.reference]),
        {"target": regulator_key, "channel": "email", "sent_on": future, "reference": "TS-778"},
    )

    assert response.status_code == 200
    assert not Escalation.objects.exists()
    html = response.content.decode()
    form = html[html.index('id="escalation-form"') :]
    form = form[: form.index("</form>")]
    assert 'value="TS-778"' in form
    assert f'value="{future}"' in form
    assert 'value="email" selected' in form
    assert "is-invalid" in form
    assert 'href="#escalation-form"' in html  # the note at the top links to it


def test_a_row_form_comes_back_open_with_its_input(client, letter_case, borrower):
    sent = timezone.now() - timedelta(days=1)
    escalation = escalation_record(
        complaint=letter_case,
        actor=borrower,
        lender=letter_case.lender,
        channel="hotline",
        sent_at=sent,
        reference="",
        now=sent,
    )
    client.force_login(borrower)
    future = (timezone.localdate() + timedelta(days=3)).isoformat()

    response = client.post(
        reverse("regulators:escalation_answer", args=[letter_case.reference, escalation.pk]),
        {"answer": "他们说会停止催收", "answered_on": future, "satisfied": "no"},
    )

    assert response.status_code == 200
    escalation.refresh_from_db()
    assert escalation.answer == ""
    html = response.content.decode()
    row = html[html.index(f'id="answer-{escalation.pk}"') :]
    assert row.startswith(f'id="answer-{escalation.pk}" open')
    row = row[: row.index("</details>")]
    assert "他们说会停止催收" in row
    assert "is-invalid" in row


def test_a_service_refusal_shows_beside_the_form(client, letter_case, borrower):
    sent = timezone.now() - timedelta(days=1)
    escalation = escalation_record(
        complaint=letter_case,
        actor=borrower,
        lender=letter_case.lender,
        channel="hotline",
        sent_at=sent,
        reference="",
        now=sent,
    )
    client.force_login(borrower)

    # Closing an escalation that got no answer needs a reason.
    response = client.post(
        reverse("regulators:escalation_close", args=[letter_case.reference, escalation.pk]), {"note": ""}
    )

    html = response.content.decode()
    row = html[html.index(f'id="close-{escalation.pk}"') :]
    row = row[: row.index("</details>")]
    assert row.startswith(f'id="close-{escalation.pk}" open')
    assert "alert" in row
