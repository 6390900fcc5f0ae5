"""Drop indexes that another one already serves: the foreign keys' own indexes where a
composite index starts with the same column, and a second pattern index on the reference
(Django makes one beside a unique text column). Each was written on every INSERT and on
every UPDATE that PostgreSQL cannot make in place.

Only the indexes are dropped: letting Django alter the fields would also drop and
re-validate their foreign keys, a scan of the whole table under lock."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0018_sweep_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name="complaint",
                    name="complaint_reference_prefix",
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="assigned_complaints",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="assigned advocate",
                    ),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="filer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="complaints",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="filed by",
                    ),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="lender",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="complaints",
                        to="complaints.lender",
                        verbose_name="lender (app or brand)",
                    ),
                ),
                migrations.AlterField(
                    model_name="incident",
                    name="complaint",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="incidents",
                        to="complaints.complaint",
                        verbose_name="complaint",
                    ),
                ),
                migrations.AlterField(
                    model_name="timelineevent",
                    name="complaint",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="complaints.complaint",
                        verbose_name="complaint",
                    ),
                ),
            ],
            database_operations=[
                # Django writes this one per database (SQLite has no operator classes).
                migrations.RemoveIndex(
                    model_name="complaint",
                    name="complaint_reference_prefix",
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "complaints_complaint_assignee_id_8087f657"',
                    reverse_sql='CREATE INDEX "complaints_complaint_assignee_id_8087f657" ON "complaints_complaint" ("assignee_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "complaints_complaint_filer_id_96a76544"',
                    reverse_sql='CREATE INDEX "complaints_complaint_filer_id_96a76544" ON "complaints_complaint" ("filer_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "complaints_complaint_lender_id_f5c3eacc"',
                    reverse_sql='CREATE INDEX "complaints_complaint_lender_id_f5c3eacc" ON "complaints_complaint" ("lender_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "complaints_incident_complaint_id_417a61d9"',
                    reverse_sql='CREATE INDEX "complaints_incident_complaint_id_417a61d9" ON "complaints_incident" ("complaint_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "complaints_timelineevent_complaint_id_0e6a80d5"',
                    reverse_sql='CREATE INDEX "complaints_timelineevent_complaint_id_0e6a80d5" ON "complaints_timelineevent" ("complaint_id")',
                ),
            ],
        ),
    ]
