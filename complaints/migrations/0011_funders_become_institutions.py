"""Funders typed before institutions existed were brands (Lender rows). Each one a
complaint names becomes an Institution with the same name and licence type, linked to
the complaint's brand with the complaint as the source; the complaint points at it."""

from django.db import migrations


def forwards(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    Institution = apps.get_model("complaints", "Institution")
    BrandFunder = apps.get_model("complaints", "BrandFunder")
    made = {}
    for complaint in (
        Complaint.objects.filter(funding_institution__isnull=False)
        .select_related("funding_institution")
        .order_by("pk")
        .iterator()
    ):
        old = complaint.funding_institution
        institution = made.get(old.pk)
        if institution is None:
            institution, _created = Institution.objects.get_or_create(
                name=old.name[:200],
                defaults={
                    "short_names": old.other_names,
                    "licence_type": old.licence_type,
                    "hotline": old.service_phone,
                    "complaint_email": old.service_email,
                    "website": old.service_url,
                    "confirmed": old.confirmed,
                    "named_by_id": old.named_by_id,
                    "notes": f"Moved from lender #{old.pk} when institutions were introduced.",
                },
            )
            made[old.pk] = institution
        complaint.funder_new_id = institution.pk
        complaint.save(update_fields=["funder_new"])
        if complaint.lender_id != old.pk:
            BrandFunder.objects.get_or_create(
                brand_id=complaint.lender_id,
                institution=institution,
                defaults={"source": f"Named by the borrower of complaint {complaint.reference}"},
            )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0010_institutions")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
