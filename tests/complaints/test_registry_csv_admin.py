"""The registry's CSV pages in the admin: export all, upload → preview → confirm; admins only."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from complaints.models import Institution, Lender, RegistryChange
from complaints.seed import lenders_seed
from tests.factories import InstitutionFactory, LenderFactory

pytestmark = pytest.mark.django_db

IMPORT = "admin:complaints_institution_import"
EXPORT = "admin:complaints_institution_export"
BRAND_IMPORT = "admin:complaints_lender_import"
BRAND_EXPORT = "admin:complaints_lender_export"


def upload(text: str, name: str = "institutions.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


@pytest.fixture
def staff_advocate(advocate):
    """An advocate given staff access and every permission on the registry: still no CSV."""
    advocate.is_staff = True
    advocate.save()
    advocate.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="complaints", content_type__model__in=["institution", "lender"]
        )
    )
    return advocate


def test_it_exports_every_institution_with_its_sources(client, admin_user):
    lenders_seed()
    client.force_login(admin_user)

    response = client.get(reverse(EXPORT))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="institutions-')
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffid,name,")
    assert "马上消费金融股份有限公司" in body and "source_registered" in body


def test_the_changelist_links_export_and_import(client, admin_user):
    client.force_login(admin_user)

    page = client.get(reverse("admin:complaints_lender_changelist")).content.decode()

    assert reverse(BRAND_EXPORT) in page and reverse(BRAND_IMPORT) in page


def test_it_imports_only_after_the_admin_confirms(client, admin_user):
    institution = InstitutionFactory(name="甲公司", hotline="111")
    client.force_login(admin_user)
    text = f"id,name,hotline,source_hotline\n{institution.pk},甲公司,222,官网\n,乙消费金融有限公司,,\n"

    preview = client.post(reverse(IMPORT), {"file": upload(text)})

    page = preview.content.decode()
    assert 'id="import-changes"' in page and "222" in page and 'id="import-added"' in page
    assert Institution.objects.count() == 1
    token, digest = preview.context["token"], preview.context["preview"].digest

    response = client.post(reverse(IMPORT), {"confirm": "1", "token": token, "digest": digest})

    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.hotline == "222"
    assert Institution.objects.filter(name="乙消费金融有限公司").exists()
    assert LogEntry.objects.filter(user=admin_user, action_flag=ADDITION).count() == 1
    change = RegistryChange.objects.get(institution=institution, field="hotline")
    assert (change.actor, change.source_detail, change.old, change.new) == (
        admin_user,
        "institutions.csv",
        "111",
        "222",
    )
    # The same confirmation twice does nothing more.
    again = client.post(reverse(IMPORT), {"confirm": "1", "token": token, "digest": digest})
    assert again.status_code == 302 and Institution.objects.count() == 2


def test_a_bad_row_shows_its_number_and_offers_no_confirmation(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse(IMPORT), {"file": upload("name,licence_type\n甲,bank\n乙,casino\n")})

    page = response.content.decode()
    assert 'id="import-errors"' in page and "<td>3</td>" in page
    assert 'id="import-confirm"' not in page
    assert not Institution.objects.exists()


def test_overwriting_an_admins_later_edit_asks_for_a_tick(client, admin_user):
    brand = LenderFactory(name="甲App", service_phone="95000", admin_edited=timezone.now())
    client.force_login(admin_user)
    text = f"id,service_phone\n{brand.pk},\n"

    preview = client.post(reverse(BRAND_IMPORT), {"file": upload(text, "brands.csv")})

    page = preview.content.decode()
    assert 'id="import-overwrites"' in page and 'name="overwrite_ok"' in page
    form = {"confirm": "1", "token": preview.context["token"], "digest": preview.context["preview"].digest}
    refused = client.post(reverse(BRAND_IMPORT), form)
    brand.refresh_from_db()
    assert refused.status_code == 200 and brand.service_phone == "95000"

    client.post(reverse(BRAND_IMPORT), {**form, "overwrite_ok": "1"})

    brand.refresh_from_db()
    assert brand.service_phone == ""


def test_it_sends_a_borrower_to_the_admin_login(client, borrower):
    client.force_login(borrower)

    for url in (IMPORT, EXPORT, BRAND_IMPORT, BRAND_EXPORT):
        response = client.post(reverse(url), {"file": upload("name\n甲\n")})
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Institution.objects.exists()


def test_it_refuses_an_advocate_even_with_staff_access_and_permissions(client, staff_advocate):
    InstitutionFactory(name="甲公司")
    client.force_login(staff_advocate)

    assert client.get(reverse("admin:complaints_institution_changelist")).status_code == 200
    for url in (EXPORT, BRAND_EXPORT):
        assert client.get(reverse(url)).status_code == 403
    for url in (IMPORT, BRAND_IMPORT):
        response = client.post(reverse(url), {"file": upload("name\n乙\n")})
        assert response.status_code == 403
    assert not Institution.objects.filter(name="乙").exists()
    assert not Lender.objects.filter(name="乙").exists()


def test_an_edit_in_the_admin_form_is_recorded_with_its_editor(client, admin_user):
    institution = InstitutionFactory(name="甲公司", hotline="111")
    client.force_login(admin_user)
    form = {
        "name": "甲公司",
        "short_names": "",
        "licence_type": "other",
        "hotline": "222",
        "confirmed": "on",
        "sources-TOTAL_FORMS": "0",
        "sources-INITIAL_FORMS": "0",
    }

    response = client.post(reverse("admin:complaints_institution_change", args=[institution.pk]), form)

    assert response.status_code == 302, response.content.decode()[:2000]
    change = RegistryChange.objects.get(institution=institution)
    assert (change.field, change.old, change.new, change.source, change.actor) == (
        "hotline",
        "111",
        "222",
        "admin",
        admin_user,
    )
    page = client.get(reverse("admin:complaints_institution_change", args=[institution.pk])).content.decode()
    assert "<code>hotline</code>" in page
