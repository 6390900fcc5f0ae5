"""The tables taken over from regulators get this app's names, and Django's content types
follow the models, so admin permissions and history stay with them."""

from django.db import migrations

MOVED = ["conductrule", "escalation", "holidayoverride", "letterdraft", "letterpdf"]


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="escalations", model=model).exists():
            ContentType.objects.filter(app_label="regulators", model=model).update(app_label="escalations")


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="escalations", model__in=MOVED).update(app_label="regulators")


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelTable(name="conductrule", table=None),
        migrations.AlterModelTable(name="escalation", table=None),
        migrations.AlterModelTable(name="holidayoverride", table=None),
        migrations.AlterModelTable(name="letterdraft", table=None),
        migrations.AlterModelTable(name="letterpdf", table=None),
        migrations.RunPython(content_types_follow, content_types_back),
    ]
