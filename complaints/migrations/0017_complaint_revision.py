from django.db import migrations, models

from complaints.revisions import RegistryTriggers, RevisionTriggers, direct


def first_registry_revision(apps, schema_editor):
    apps.get_model("complaints", "RegistryRevision").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0016_timeline_message_codes"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="revision",
            field=models.PositiveBigIntegerField(default=0, editable=False, verbose_name="revision"),
        ),
        migrations.CreateModel(
            name="RegistryRevision",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("revision", models.PositiveBigIntegerField(default=0)),
            ],
            options={"verbose_name": "registry revision"},
        ),
        migrations.RunPython(first_registry_revision, migrations.RunPython.noop),
        RevisionTriggers(
            direct("complaints_incident"),
            direct("complaints_incidentnumber"),
            direct("complaints_timelineevent"),
        ),
        # The registry rows the page shows beyond the complaint's own brand and funder
        # (which it loads with the complaint): the brand's funders and the institutions
        # behind them. One row for all, not every complaint of an institution.
        RegistryTriggers("complaints_brandfunder", "complaints_institution"),
    ]
