"""Numbers typed with full-width or other scripts' digits were stored as typed, so they
matched nothing; fold them the way new input is folded now."""

from django.db import migrations

from lib.phones import fold_digits, normalize_phone


def _key(raw):
    # complaints.models.normalize_collector_id as of this migration.
    return normalize_phone(raw) or " ".join(fold_digits(raw).casefold().split())[:80]


def fold(apps, schema_editor):
    Incident = apps.get_model("complaints", "Incident")
    rows = Incident.objects.only("pk", "collector_id", "collector_id_normalized", "third_party_number")
    for incident in rows.iterator(chunk_size=2000):
        key = _key(incident.collector_id)
        third = incident.third_party_number
        if third and not third.isascii():
            third = normalize_phone(third) or third
        if key != incident.collector_id_normalized or third != incident.third_party_number:
            Incident.objects.filter(pk=incident.pk).update(collector_id_normalized=key, third_party_number=third)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0007_incident_time_index")]

    operations = [migrations.RunPython(fold, migrations.RunPython.noop)]
