"""The generated letter is kept between openings (its page, its text, the page that waits
for its PDF, which refreshes every 3 s) and never outlives a change to what it says."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from escalations import letters
from regulators.models import Regulator
from tests.escalations.conftest import CST, add_evidence
from tests.factories import IncidentFactory, RegulatorFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=CST)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def generated(monkeypatch):
    """How many times the letter was worked out from the complaint."""
    calls = []
    real = letters.letter_generate

    def counting(**kwargs):
        calls.append(kwargs["target"].key)
        return real(**kwargs)

    monkeypatch.setattr(letters, "letter_generate", counting)
    return calls


def text(client, complaint, key=None) -> str:
    key = key or f"lender-{complaint.lender_id}"
    response = client.get(reverse("regulators:letter_text", args=[complaint.reference, key]))
    assert response.status_code == 200
    return response.content.decode()


def test_opening_the_letter_again_does_not_work_it_out_again(client, letter_case, borrower, generated):
    client.force_login(borrower)

    first = text(client, letter_case)
    second = text(client, letter_case)

    assert first == second
    assert len(generated) == 1


def test_a_new_incident_or_file_shows_at_once(client, letter_case, borrower, generated):
    client.force_login(borrower)
    text(client, letter_case)

    IncidentFactory(complaint=letter_case, description="半夜打电话给我领导")
    with_incident = text(client, letter_case)
    add_evidence(letter_case, "新截图.png", "d4" * 32)
    with_file = text(client, letter_case)

    assert "半夜打电话给我领导" in with_incident
    assert "新截图.png" in with_file
    assert len(generated) == 3


def test_the_filers_new_name_and_a_renamed_regulator_show_at_once(client, letter_case, borrower):
    from regulators.services import regulator_save

    regulator = RegulatorFactory(kind="cyberspace", name_zh="某网信办")
    client.force_login(borrower)
    before = text(client, letter_case, f"regulator-{regulator.pk}")
    borrower.display_name = "李四"
    borrower.save()
    renamed = Regulator.objects.get(pk=regulator.pk)
    renamed.name_zh = "某市网信办"
    regulator_save(regulator=renamed, actor=None, now=NOW, source="admin")

    after = text(client, letter_case, f"regulator-{regulator.pk}")

    assert "李四" not in before and "李四" in after
    assert "某市网信办" in after


def test_a_new_day_in_china_dates_the_letter_anew(client, letter_case, borrower, _frozen):
    client.force_login(borrower)
    assert "2026年11月28日" in text(client, letter_case)

    _frozen.move_to(NOW + timedelta(days=1))

    assert "2026年11月29日" in text(client, letter_case)


def test_an_advocate_and_the_borrower_do_not_share_a_letter(client, letter_case, borrower):
    """The borrower sees their own number; whoever may not see it gets it masked, and
    neither gets the other's copy."""
    borrower.phone = "13912345678"
    borrower.save()
    advocate = UserFactory(role="advocate")
    letter_case.assignee = advocate
    letter_case.save()

    client.force_login(borrower)
    own = text(client, letter_case)
    client.force_login(advocate)
    theirs = text(client, letter_case)

    assert "13912345678" in own
    assert "13912345678" not in theirs
