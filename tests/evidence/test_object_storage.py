"""With S3-compatible storage the same rules hold: private objects, short-lived signed links
handed out only after the permission check."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from django.test import override_settings
from django.urls import reverse
from moto import mock_aws

from evidence import services
from evidence.models import Evidence
from tests.evidence import files
from tests.evidence.conftest import post_files

pytestmark = pytest.mark.django_db

BUCKET = "evidence-test"
S3 = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BUCKET,
            "region_name": "us-east-1",
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 120,
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture
def s3(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws(), override_settings(STORAGES=S3, EVIDENCE_S3_BUCKET=BUCKET):
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_originals_go_to_the_bucket_privately_and_intact(client, borrower, complaint, s3):
    data = files.jpeg(gps=True)
    client.force_login(borrower)

    response = post_files(client, complaint, ("photo.jpg", data))

    assert response.status_code == 200
    evidence = Evidence.objects.get()
    stored = s3.get_object(Bucket=BUCKET, Key=evidence.file.name)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == evidence.sha256
    grants = s3.get_object_acl(Bucket=BUCKET, Key=evidence.file.name)["Grants"]
    assert all(g["Grantee"].get("URI", "").endswith("AllUsers") is False for g in grants)


def test_the_owner_gets_a_short_lived_signed_link_and_a_stranger_gets_404(
    client, borrower, other_borrower, complaint, s3
):
    client.force_login(borrower)
    post_files(client, complaint, ("photo.jpg", files.jpeg()))
    evidence = Evidence.objects.get()
    services.evidence_process(evidence_id=evidence.pk)
    url = reverse("evidence:download", args=[evidence.public_id])

    response = client.get(url)

    assert response.status_code == 302
    query = parse_qs(urlparse(response["Location"]).query)
    assert query["X-Amz-Expires"] == ["120"]
    assert "X-Amz-Signature" in query
    assert query["response-content-disposition"][0].startswith("attachment")
    display = client.get(url + "?variant=display")
    assert parse_qs(urlparse(display["Location"]).query)["response-content-type"] == ["image/jpeg"]

    client.force_login(other_borrower)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url)["Location"].startswith(reverse("login"))


def test_the_package_streams_from_the_bucket(client, borrower, complaint, s3):
    import io
    import zipfile

    data = files.png()
    client.force_login(borrower)
    post_files(client, complaint, ("a.png", data))

    response = client.get(reverse("evidence:package_originals", args=[complaint.reference]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))

    assert data in [archive.read(n) for n in archive.namelist() if n.startswith("evidence/")]
