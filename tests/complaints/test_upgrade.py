"""A database from before institutions upgrades in place: a funder typed as a lender
becomes an institution, and its complaints, escalations and letter drafts follow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("complaints", "0009_incident_series_count"), ("escalations", "0003_holiday_schedule")]


@pytest.mark.django_db(transaction=True)
def test_a_database_with_typed_funders_upgrades_in_place(borrower):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Lender = old.get_model("complaints", "Lender")
    brand = Lender.objects.create(name="安逸花", licence_type="consumer_finance", confirmed=True)
    funder = Lender.objects.create(name="马上消费金融股份有限公司", licence_type="consumer_finance")
    now = timezone.now()
    complaint = old.get_model("complaints", "Complaint").objects.create(
        reference="AAAAA-BBBBB",
        filer_id=borrower.pk,
        lender=brand,
        funding_institution=funder,
        status="submitted",
        submitted_at=now,
    )
    unfunded = old.get_model("complaints", "Complaint").objects.create(
        reference="CCCCC-DDDDD", filer_id=borrower.pk, lender=brand
    )
    escalation = old.get_model("escalations", "Escalation").objects.create(
        complaint=complaint,
        lender=funder,
        channel="email",
        sent_at=now - timedelta(days=2),
        status="sent",
    )
    to_brand = old.get_model("escalations", "Escalation").objects.create(
        complaint=complaint, lender=brand, channel="app", sent_at=now, status="sent"
    )
    old.get_model("escalations", "LetterDraft").objects.create(
        complaint=complaint, lender=funder, text="给资金方的信"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from complaints.models import BrandFunder, Complaint, Institution
    from escalations.models import Escalation, LetterDraft

    institution = Institution.objects.get(name="马上消费金融股份有限公司")
    assert institution.licence_type == "consumer_finance"
    upgraded = Complaint.objects.get(pk=complaint.pk)
    assert upgraded.lender_id == brand.pk
    assert upgraded.funding_institution == institution
    assert Complaint.objects.get(pk=unfunded.pk).funding_institution is None
    assert BrandFunder.objects.filter(brand_id=brand.pk, institution=institution).exists()
    moved = Escalation.objects.get(pk=escalation.pk)
    assert (moved.lender_id, moved.institution_id, moved.target_key) == (
        None,
        institution.pk,
        f"institution-{institution.pk}",
    )
    assert Escalation.objects.get(pk=to_brand.pk).lender_id == brand.pk
    assert LetterDraft.objects.get(complaint_id=complaint.pk).institution_id == institution.pk
