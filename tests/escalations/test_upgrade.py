"""A database from before escalations had their own app upgrades in place: every row
and its links survive, the tables take the new names, the content types follow."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from complaints.models import Status
from tests.factories import ComplaintFactory, RegulatorFactory

BEFORE = [("regulators", "0004_letter_pdf"), ("escalations", None)]


@pytest.mark.django_db(transaction=True)
def test_a_database_with_escalations_upgrades_in_place(advocate):
    from django.contrib.contenttypes.models import ContentType

    complaint = ComplaintFactory(status=Status.SUBMITTED)
    regulator = RegulatorFactory()
    now = timezone.now()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state([BEFORE[0]]).apps
    escalation = old.get_model("regulators", "Escalation").objects.create(
        complaint_id=complaint.pk,
        regulator_id=regulator.pk,
        channel="online",
        sent_at=now - timedelta(days=3),
        due_at=now + timedelta(days=12),
        status="sent",
        reference="GD-2026-1",
        created_by_id=advocate.pk,
    )
    old.get_model("regulators", "LetterDraft").objects.create(
        complaint_id=complaint.pk, regulator_id=regulator.pk, text="我的投诉信"
    )
    old.get_model("regulators", "HolidayOverride").objects.create(
        date=date(2027, 10, 1), is_working_day=False
    )
    old.get_model("regulators", "ConductRule").objects.create(
        code="test-rule", name_zh="测试", check_kind="third_parties", source="测试来源"
    )
    ContentType.objects.get_or_create(app_label="regulators", model="escalation")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from escalations.models import ConductRule, Escalation, HolidayOverride, LetterDraft

    moved = Escalation.objects.get(pk=escalation.pk)
    assert (moved.complaint_id, moved.regulator_id, moved.reference, moved.status) == (
        complaint.pk,
        regulator.pk,
        "GD-2026-1",
        "sent",
    )
    assert LetterDraft.objects.get(complaint_id=complaint.pk).text == "我的投诉信"
    assert HolidayOverride.objects.filter(date=date(2027, 10, 1), is_working_day=False).exists()
    assert ConductRule.objects.filter(code="test-rule").exists()
    assert Escalation._meta.db_table in connection.introspection.table_names()
    assert "regulators_escalation" not in connection.introspection.table_names()
    assert ContentType.objects.filter(app_label="escalations", model="escalation").exists()
    assert not ContentType.objects.filter(app_label="regulators", model="escalation").exists()
