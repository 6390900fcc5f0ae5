from django.db import migrations

from complaints.revisions import RevisionTriggers, direct, through


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0017_complaint_revision"),
        ("escalations", "0007_letter_email"),
    ]

    operations = [
        RevisionTriggers(
            direct("escalations_escalation"),
            through("escalations_letteremail", "escalation_id", "escalations_escalation"),
        ),
    ]
