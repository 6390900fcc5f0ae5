from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """One fixed window of one rate limit, when there is no Redis to count in.

    Django's database and file caches read, add and write back in `incr`, so two
    processes counting at once lose hits; and the local-memory cache counts per process.
    This table is counted with one INSERT ... ON CONFLICT DO UPDATE ... RETURNING
    (lib/ratelimit.py), atomic on SQLite and PostgreSQL alike. The window is part of the
    key, so a row is never reset, only deleted once it has expired.
    """

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    # Used by the purge of ended windows in lib/ratelimit.py.
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}={self.count}"
