"""What borrowers type, however odd, must neither crash someone else's page nor escape
matching: collector accounts with any characters, digits from any input method."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import Incident, Status, normalize_collector_id
from lib.phones import fold_digits, mask_phone, normalize_phone
from tests.factories import PASSWORD, ComplaintFactory, IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db

ODD_ACCOUNTS = [
    "QQ 12345 / 微信 cuishou",
    "a/../../admin",
    "who?what",
    "tag#1",
    "100% 催收",
    "  spaced   out  ",
    "ｗｘ＿ｃｕｉ　ｓｈｏｕ",
    "催收🔥😡",
    "~tilde",
    "/",
]


@pytest.mark.parametrize("typed", ODD_ACCOUNTS)
def test_any_collector_account_links_from_the_case_page_to_its_collector_page(client, advocate, typed):
    complaint = ComplaintFactory(status=Status.SUBMITTED)
    IncidentFactory(
        complaint=complaint, collector_id=typed, collector_id_normalized=normalize_collector_id(typed)
    )
    client.force_login(advocate)

    case_page = client.get(complaint.get_absolute_url())

    assert case_page.status_code == 200
    link = reverse("cases:collector", args=[normalize_collector_id(typed)])
    assert f'href="{link}"' in case_page.content.decode()
    collector_page = client.get(link)
    assert collector_page.status_code == 200
    assert complaint.reference in collector_page.content.decode()


def test_a_key_that_is_not_valid_encoding_is_not_found(client, advocate):
    client.force_login(advocate)

    assert client.get("/cases/collectors/~%FF%FE/").status_code == 404
    assert client.get("/cases/collectors/~_w/").status_code == 404  # decodes to bytes that are not UTF-8


@pytest.mark.parametrize(
    "typed",
    [
        "１３８００１３８０００",
        "+８６ １３８-００１３-８０００",
        "١٣٨٠٠١٣٨٠٠٠",
        "１3８0０１3８0００",
        "（138）0013　8000",
    ],
)
def test_digits_of_any_script_are_one_number(typed):
    assert normalize_phone(typed) == "13800138000"
    assert normalize_collector_id(typed) == "13800138000"
    assert mask_phone(typed) == "138****8000"


def test_letters_typed_full_width_are_the_same_account():
    assert normalize_collector_id("ＷＸ＿Ｃｕｉ　Ｓｈｏｕ") == normalize_collector_id("wx_cui shou")
    assert fold_digits("٣") == "3"


def test_words_are_not_a_number():
    assert normalize_phone("微信 cuishou") == ""


def test_a_full_width_collector_number_matches_the_typed_one_in_search(client, advocate, borrower):
    first = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)
    IncidentFactory(complaint=first, collector_id="17100009999", collector_id_normalized="17100009999")
    client.force_login(borrower)
    second = ComplaintFactory(filer=borrower, status=Status.SUBMITTED)

    client.post(
        reverse("complaints:add_incident", args=[second.reference]),
        {
            "incident-occurred_at": "2026-11-25T08:15",
            "incident-channel": "sms",
            "incident-kind": "threats",
            "incident-contacted": "self",
            "incident-collector_id": "１７１ ００００ ９９９９",
            "incident-third_party_number": "１３９１２３４５６７８",
            "incident-description": "说要上门",
        },
    )

    added = Incident.objects.get(complaint=second)
    assert added.collector_id_normalized == "17100009999"
    assert added.third_party_number == "13912345678"
    client.force_login(advocate)
    found = client.get(reverse("cases:queue"), {"q": "１７１００００９９９９", "status": "all"})
    listed = {c.reference for c in found.context["page"].object_list}
    assert {first.reference, second.reference} <= listed


def test_login_with_the_number_typed_full_width(client):
    UserFactory(username="13955556666", phone="13955556666")

    response = client.post(reverse("login"), {"username": "１３９ ５５５５ ６６６６", "password": PASSWORD})

    assert response.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_numbers_stored_as_typed_are_folded_by_the_migration():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("complaints", "0007_incident_time_index")])
    old = executor.loader.project_state([("complaints", "0007_incident_time_index")]).apps
    # Rows made through the models of that time: today's have columns it has not got yet.
    lender = old.get_model("complaints", "Lender").objects.create(name="旧App")
    complaint = old.get_model("complaints", "Complaint").objects.create(
        reference="FOLDS-00001",
        filer_id=UserFactory().pk,
        lender=lender,
        status=Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    incident = old.get_model("complaints", "Incident").objects.create(
        complaint_id=complaint.pk,
        occurred_at=complaint.created,
        channel="call",
        kind="threats",
        contacted="self",
        collector_id="１７１ ００００ ９９９９",
        collector_id_normalized="１７１００００９９９９",
        third_party_number="１３９１２３４５６７８",
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    folded = Incident.objects.get(pk=incident.pk)
    assert (folded.collector_id_normalized, folded.third_party_number) == ("17100009999", "13912345678")
