"""A picture small on disk and huge decoded cannot grow the web worker or the Celery worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings

from evidence.models import Evidence
from tests.evidence import files
from tests.evidence.conftest import post_files

MB = 1024 * 1024

# Run in a fresh interpreter, so that its peak memory is this check's and nothing else's.
# ru_maxrss is the high-water mark of the process's resident memory (KiB on Linux).
MEASURE = """
import json, os, resource, sys, tempfile
import django
django.setup()
from evidence import services
from evidence.validation import inspect_file

big, small = sys.argv[1], sys.argv[2]

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

def children_peak():
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024

# Everything loaded once (libmagic, the decoders' modules) before measuring.
inspect_file(small, "small.png", os.path.getsize(small))
start = peak()
checked = inspect_file(big, "big.png", os.path.getsize(big))
after_check = peak()
with tempfile.TemporaryDirectory() as out:
    made = services._make_image_copies(big, out)
after_copies = peak()
print(json.dumps({
    "metadata": checked.metadata,
    "made": made,
    "check_growth": after_check - start,
    "copies_growth": after_copies - after_check,
    "children_peak": children_peak(),
}))
"""


@pytest.fixture(scope="module")
def sixty_megapixels(tmp_path_factory) -> str:
    """60 million RGBA pixels (240 MB decoded) in a 240 KB PNG, the most the check lets in."""
    path = tmp_path_factory.mktemp("images") / "big.png"
    path.write_bytes(files.png_rgba_of_size(10_000, 6_000))
    return str(path)


def test_checking_and_processing_a_huge_picture_leave_the_worker_as_it_was(sixty_megapixels, tmp_path):
    small = tmp_path / "small.png"
    small.write_bytes(files.png())
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", MEASURE, sixty_megapixels, str(small)],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
    )

    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert measured["metadata"] == {"width": 10_000, "height": 6_000}  # accepted, and whole
    assert measured["made"]["width"] == 10_000
    # Decoded in the worker, the picture alone is 240 MB.
    assert measured["check_growth"] < 20 * MB, measured
    assert measured["copies_growth"] < 20 * MB, measured
    # The child that did decode it stayed inside its limit.
    assert 240 * MB < measured["children_peak"] <= settings.EVIDENCE_DECODE_MEMORY_MB * MB, measured


@pytest.mark.django_db
@override_settings(EVIDENCE_DECODE_MEMORY_MB=128)
def test_a_picture_needing_more_memory_than_allowed_is_refused(client, borrower, complaint, sixty_megapixels):
    with open(sixty_megapixels, "rb") as f:
        data = f.read()
    client.force_login(borrower)

    response = post_files(client, complaint, ("big.png", data))

    assert response.status_code == 400
    assert "内存" in response.json()["files"][0]["error"]
    assert not Evidence.objects.exists()
