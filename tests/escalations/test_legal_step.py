"""The legal step page: who may open it, and what it says for this complaint."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from complaints.models import Channel, ContactedParty, HarassmentKind, Status
from escalations.legal_step import limitation_last_day
from regulators.models import Regulator
from tests.escalations.conftest import CST, HASHES
from tests.factories import ComplaintFactory, IncidentFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=CST)


def url(complaint) -> str:
    return reverse("regulators:legal_step", args=[complaint.reference])


@pytest.fixture
def page(client, letter_case, borrower, seeded, conduct_rules):
    """The page as the filer of the letter tests' complaint sees it (threats, third parties, two files)."""
    client.force_login(borrower)
    with time_machine.travel(NOW, tick=False):
        response = client.get(url(letter_case))
    assert response.status_code == 200
    return response.content.decode()


# --- Who may see it ---------------------------------------------------------------------


def test_it_shows_the_page_to_the_filer(client, letter_case, borrower):
    client.force_login(borrower)

    response = client.get(url(letter_case))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_it_shows_the_page_to_an_advocate(client, letter_case, advocate):
    client.force_login(advocate)

    assert client.get(url(letter_case)).status_code == 200


def test_it_shows_the_page_to_an_admin(client, letter_case, admin_user):
    client.force_login(admin_user)

    assert client.get(url(letter_case)).status_code == 200


def test_it_hides_the_page_from_another_borrower(client, letter_case, other_borrower):
    client.force_login(other_borrower)

    assert client.get(url(letter_case)).status_code == 404


def test_it_hides_a_drafts_page_from_an_advocate(client, borrower, advocate):
    draft = ComplaintFactory(filer=borrower, status=Status.DRAFT)
    client.force_login(advocate)

    assert client.get(url(draft)).status_code == 404


def test_it_sends_an_anonymous_visitor_to_log_in(client, letter_case):
    response = client.get(url(letter_case))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_refuses_a_post(client, letter_case, borrower):
    client.force_login(borrower)

    assert client.post(url(letter_case)).status_code == 405


# --- What it says -----------------------------------------------------------------------


def section(page: str, section_id: str) -> str:
    start = page.index(f'id="{section_id}"')
    end = page.find("<section", start)
    return page[start : end if end != -1 else len(page)]


def test_it_advises_a_police_report_for_threats_with_what_to_bring(page):
    police = section(page, "police")

    assert "威胁" in police  # the kind, in the interface's language
    assert 'href="tel:110"' in police
    assert "派出所" in police  # the directory's in-person advice
    assert "#incident-list" in police and "#evidence-list" in police
    assert "《中华人民共和国治安管理处罚法》第42条" in police
    assert "现行序号未经核实" in police


def test_it_lists_the_incidents_with_dates_and_the_rules_they_break(page):
    incidents = section(page, "incident-list")

    assert "2026-11-20 21:30" in incidents and "2026-11-21 23:40" in incidents
    assert "向无关第三方催收" in incidents and "恐吓、威胁" in incidents


def test_it_lists_every_evidence_file_with_its_sha256(page):
    evidence = section(page, "evidence-list")

    for sha256 in HASHES:
        assert sha256 in evidence
    assert "通话录音.png" in evidence
    assert reverse("evidence:package", args=[page_reference(page)]) in evidence


def page_reference(page: str) -> str:
    start = page.index('<span class="reference">') + len('<span class="reference">')
    return page[start : page.index("</span>", start)]


def test_it_gives_the_civil_claim_with_the_date_the_limit_runs_out(page):
    civil = section(page, "civil-claim")

    assert "《中华人民共和国民法典》第1032条" in civil and "第1033条" in civil
    # The first incident was on 2026-11-20: three years on.
    assert "2026-11-20" in civil and "2029-11-20" in civil
    assert "1088" in civil  # days left from 2026-11-28


def test_it_gives_legal_aid_with_its_number(page):
    legal_aid = section(page, "legal-aid")

    assert "12348" in legal_aid
    assert 'href="tel:12348"' in legal_aid
    assert "https://www.12348.gov.cn/" in legal_aid


def test_it_says_when_the_limit_has_passed(client, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    IncidentFactory(complaint=complaint, occurred_at=NOW - timedelta(days=4 * 365))
    client.force_login(borrower)

    with time_machine.travel(NOW, tick=False):
        civil = section(client.get(url(complaint)).content.decode(), "civil-claim")

    assert "text-danger" in civil


def test_it_says_nothing_is_a_police_matter_for_calls_to_contacts_only(client, borrower):
    complaint = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    IncidentFactory(
        complaint=complaint,
        kind=HarassmentKind.THIRD_PARTIES,
        channel=Channel.CALL,
        contacted=ContactedParty.FRIENDS,
    )
    client.force_login(borrower)

    police = section(client.get(url(complaint)).content.decode(), "police")

    assert "治安管理处罚法" not in police
    assert 'href="tel:110"' in police  # an emergency is always one tap away


def test_it_falls_back_to_the_national_numbers_without_directory_entries(client, letter_case, borrower):
    assert not Regulator.objects.exists()
    client.force_login(borrower)

    page = client.get(url(letter_case)).content.decode()

    assert 'href="tel:110"' in page and 'href="tel:12348"' in page


def test_it_uses_a_provinces_own_police_entry(client, letter_case, borrower, seeded):
    letter_case.province = "440000"
    letter_case.save()
    Regulator.objects.create(name_zh="广东省公安厅", kind="police", province="440000", hotline="020-110")
    client.force_login(borrower)

    police = section(client.get(url(letter_case)).content.decode(), "police")

    assert 'href="tel:020110"' in police


def test_it_lists_where_the_complaint_went_before(client, letter_case, borrower):
    letter_case.escalations.create(lender=letter_case.lender, channel="app", sent_at=NOW, reference="KF-889")
    client.force_login(borrower)

    before = section(client.get(url(letter_case)).content.decode(), "complained-before")

    assert "KF-889" in before and letter_case.lender.name in before


def test_it_works_in_english(client, letter_case, borrower, conduct_rules):
    client.force_login(borrower)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    page = client.get(url(letter_case)).content.decode()

    assert "Collecting from unrelated third parties" in page
    assert "police" in page.lower()


def test_the_complaint_page_links_to_it(client, letter_case, borrower, seeded):
    client.force_login(borrower)

    page = client.get(letter_case.get_absolute_url()).content.decode()

    assert f'href="{url(letter_case)}"' in section(page, "route")


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2026, 11, 20), date(2029, 11, 20)),
        (date(2028, 2, 29), date(2031, 2, 28)),
        (date(2027, 1, 1), date(2030, 1, 1)),
    ],
)
def test_the_limit_runs_three_calendar_years(first, last):
    assert limitation_last_day(first) == last


def test_it_offers_the_package_for_sharing_first_and_the_originals_behind_a_warning(page):
    evidence = section(page, "evidence-list")
    ref = page_reference(page)

    sharing = evidence.index(reverse("evidence:package", args=[ref]))
    originals = evidence.index(reverse("evidence:originals", args=[ref]))

    assert sharing < originals
    assert reverse("evidence:package_originals", args=[ref]) not in evidence
    assert "对外提交包" in evidence and "拍摄地点" in evidence


def test_an_imported_police_number_never_replaces_110_it_is_shown_beside_it(
    client, letter_case, borrower, seeded, conduct_rules
):
    # The directory entry an import could write: a province's police with a local number.
    Regulator.objects.create(
        name_zh="某省公安厅", kind="police", province=letter_case.province, hotline="12345678"
    )
    Regulator.objects.filter(seed_key="police-110").update(hotline="12345678")
    Regulator.objects.filter(seed_key="legal-aid-12348").update(hotline="87654321")
    client.force_login(borrower)

    with time_machine.travel(NOW, tick=False):
        page = client.get(url(letter_case)).content.decode()

    danger = page[page.index('class="alert alert-danger"') : page.index('id="police"')]
    assert 'href="tel:110"' in danger and "12345678" not in danger
    police = section(page, "police")
    assert 'href="tel:110"' in police
    assert 'id="police-local"' in police and 'href="tel:12345678"' in police
    assert police.index('href="tel:110"') < police.index('href="tel:12345678"')
    assert 'href="tel:12348"' in section(page, "legal-aid")


def test_it_lists_the_national_numbers_from_code(page):
    numbers = section(page, "national-numbers")

    for number in ("110", "120", "12348", "12377", "12321", "12315", "12378", "12363"):
        assert f'href="tel:{number}"' in numbers
