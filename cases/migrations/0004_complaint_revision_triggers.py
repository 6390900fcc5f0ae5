from django.db import migrations

from complaints.revisions import RevisionTriggers, direct, through


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0017_complaint_revision"),
        ("cases", "0003_followup_questions"),
        ("evidence", "0005_complaint_revision_triggers"),
    ]

    operations = [
        RevisionTriggers(
            direct("cases_inforequest"),
            through("cases_evidencereview", "evidence_id", "evidence_evidence"),
            direct("cases_followup"),
        ),
    ]
