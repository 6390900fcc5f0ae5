"""`make backup`: the database (pg_dump, custom format) and every stored object with its
SHA-256, into one folder that `make restore` reads (docs/operations.md).

The row counts written beside the dump come from the very snapshot pg_dump reads
(pg_export_snapshot), so a restore can be checked table by table even while people keep
filing. Objects are read through Django's storage (the bucket, or DATA_DIR/media).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
DUMP = "database.dump"
OBJECTS = "objects"
CHUNK = 1024 * 1024


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def tool(name: str) -> str:
    """PostgreSQL's client program, from Debian's postgresql-client (same major version
    as the server or newer)."""
    path = shutil.which(name)
    if not path:
        raise SystemExit(f"{name} not found: install Debian's postgresql-client")
    return path


def database_url() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("backup: DATABASE_URL must name a PostgreSQL database")
    return os.environ["DATABASE_URL"]


def row_counts(conn: Any) -> dict[str, int]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
    ]
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608 - names from the catalogue


def walk(storage: Any, folder: str = "") -> Iterator[str]:
    """Every file name in a Django storage, recursively (works for files and buckets)."""
    dirs, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for name in dirs:
        yield from walk(storage, f"{folder}/{name}" if folder else name)


def copy_hashed(source: Any, target: Any) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: source.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
        if target is not None:
            target.write(chunk)
    return digest.hexdigest(), size


def backup(out: Path) -> dict[str, Any]:
    import psycopg
    from django.core.files.storage import default_storage

    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=False)
    url = database_url()
    with psycopg.connect(url) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts = row_counts(conn)
        # The transaction stays open until pg_dump has read the same snapshot.
        subprocess.run(  # noqa: S603 - fixed program, our own arguments
            [
                tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                f"--snapshot={snapshot}",
                f"--file={out / DUMP}",
                url,
            ],
            check=True,
        )
    database_s = time.monotonic() - started
    objects = []
    for name in sorted(walk(default_storage)):
        target = out / OBJECTS / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as src, target.open("wb") as dst:
            sha256, size = copy_hashed(src, dst)
        objects.append({"name": name, "size": size, "sha256": sha256})
    manifest = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "tables": counts,
        "objects": objects,
        "database_s": round(database_s, 2),
        "objects_s": round(time.monotonic() - started - database_s, 2),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return {
        "folder": str(out),
        "tables": len(counts),
        "rows": sum(counts.values()),
        "objects": len(objects),
        "bytes": sum(o["size"] for o in objects) + (out / DUMP).stat().st_size,
        "seconds": round(time.monotonic() - started, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="a new folder (default: DATA_DIR/backups/<time>)")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings

    out = Path(args.out) if args.out else settings.DATA_DIR / "backups" / time.strftime("%Y%m%d-%H%M%S")
    print(json.dumps(backup(out)))


if __name__ == "__main__":
    sys.exit(main())
