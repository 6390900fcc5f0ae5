import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0011_funders_become_institutions"),
        # Escalations to the old funder rows move first (escalations/0004).
        ("escalations", "0004_institution_targets"),
    ]

    operations = [
        migrations.RemoveField(model_name="complaint", name="funding_institution"),
        migrations.RenameField(model_name="complaint", old_name="funder_new", new_name="funding_institution"),
        migrations.AlterField(
            model_name="complaint",
            name="funding_institution",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="funded_complaints",
                to="complaints.institution",
                verbose_name="funding institution",
            ),
        ),
    ]
