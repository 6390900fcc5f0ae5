"""`make restore BACKUP=folder`: a backup into an EMPTY database and an empty bucket (or
media folder), then the proof: every table's row count equals the one taken at backup
time, every object's SHA-256 equals its listing, and every evidence file's bytes hash to
the SHA-256 its database row recorded at upload.

It refuses a database that has tables or storage that has files: a restore never mixes
with live data. Point DATABASE_URL and the storage settings at the new ones.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ops.backup import (
    DUMP,
    MANIFEST,
    OBJECTS,
    copy_hashed,
    database_url,
    row_counts,
    setup_django,
    tool,
    walk,
)


def restore(folder: Path) -> dict[str, Any]:
    import psycopg
    from django.core.files import File
    from django.core.files.storage import default_storage

    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    url = database_url()
    started = time.monotonic()
    with psycopg.connect(url) as conn:
        if row_counts(conn):
            raise SystemExit("restore: the target database has tables; restore into a new, empty one")
    if next(walk(default_storage), None) is not None:
        raise SystemExit("restore: the target storage already holds files; use a new bucket or folder")
    subprocess.run(  # noqa: S603 - fixed program, our own arguments
        [tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={url}", str(folder / DUMP)],
        check=True,
    )
    database_s = time.monotonic() - started
    for item in manifest["objects"]:
        with (folder / OBJECTS / item["name"]).open("rb") as f:
            saved = default_storage.save(item["name"], File(f, name=item["name"]))
        if saved != item["name"]:
            raise SystemExit(f"restore: {item['name']} was stored as {saved}")
    restored_s = time.monotonic() - started
    report = verify(manifest)
    report.update(
        database_s=round(database_s, 2),
        objects_s=round(restored_s - database_s, 2),
        verify_s=round(time.monotonic() - restored_s, 2),
        seconds=round(time.monotonic() - started, 2),
    )
    return report


def verify(manifest: dict[str, Any]) -> dict[str, Any]:
    """Compare what is restored with the manifest and with the database's own hashes."""
    import psycopg
    from django.core.files.storage import default_storage

    from evidence.models import Evidence

    with psycopg.connect(database_url()) as conn:
        counts = row_counts(conn)
    tables_differing = sorted(t for t in manifest["tables"] if counts.get(t) != manifest["tables"][t])
    objects_bad = []
    for item in manifest["objects"]:
        with default_storage.open(item["name"], "rb") as f:
            if copy_hashed(f, None)[0] != item["sha256"]:
                objects_bad.append(item["name"])
    files_verified, mismatched = 0, 0
    for name, sha256 in Evidence.objects.exclude(file="").values_list("file", "sha256").iterator():
        try:
            with default_storage.open(name, "rb") as f:
                matches = copy_hashed(f, None)[0] == sha256
        except FileNotFoundError:
            matches = False
        files_verified += matches
        mismatched += not matches
    return {
        "rows_match": not tables_differing,
        "tables": len(counts),
        "rows": sum(counts.values()),
        "tables_differing": tables_differing,
        "objects_restored": len(manifest["objects"]),
        "objects_bad": objects_bad,
        "files_verified": files_verified,
        "mismatched": mismatched,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="a folder `make backup` wrote")
    args = parser.parse_args()
    setup_django()
    report = restore(Path(args.folder))
    print(json.dumps(report))
    ok = report["rows_match"] and not report["objects_bad"] and not report["mismatched"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
