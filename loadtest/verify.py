"""After the load: every complaint and file the load tool was told succeeded is really there,
with the hash the server reported, and the stored bytes still match it."""

from __future__ import annotations

import hashlib
import json
import os
import sys

import django


def main(claims_path: str) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from complaints.models import Complaint
    from evidence.models import Evidence

    with open(claims_path, encoding="utf-8") as f:
        claims = [json.loads(line) for line in f if line.strip()]
    complaints = {c["reference"] for c in claims if c["type"] == "complaint"}
    files = {c["id"]: c["sha256"] for c in claims if c["type"] == "file"}
    found = set(
        Complaint.objects.filter(reference__in=complaints, submitted_at__isnull=False).values_list(
            "reference", flat=True
        )
    )
    missing_complaints = sorted(complaints - found)
    bad_files = []
    for evidence in Evidence.objects.filter(public_id__in=list(files)):
        digest = hashlib.sha256()
        with evidence.file.open("rb") as f:
            for chunk in iter(lambda: f.read(1024 * 1024), b""):
                digest.update(chunk)
        if evidence.sha256 != files[str(evidence.public_id)] or digest.hexdigest() != evidence.sha256:
            bad_files.append(str(evidence.public_id))
    present = {
        str(p) for p in Evidence.objects.filter(public_id__in=list(files)).values_list("public_id", flat=True)
    }
    missing_files = sorted(set(files) - present)
    return {
        "complaints_claimed": len(complaints),
        "complaints_missing": missing_complaints,
        "files_claimed": len(files),
        "files_missing": missing_files,
        "files_with_wrong_hash": bad_files,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
