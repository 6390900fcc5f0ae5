from django.db import migrations

from complaints.revisions import RevisionTriggers, direct, through


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0017_complaint_revision"),
        ("evidence", "0004_evidence_claim"),
    ]

    operations = [
        RevisionTriggers(
            direct("evidence_evidence"),
            through("evidence_reading", "evidence_id", "evidence_evidence"),
            direct("evidence_proposal"),
        ),
    ]
