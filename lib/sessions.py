"""Django's cached_db session engine, cheaper to open for a request that never reads it.

Every request makes a session store (SessionMiddleware), though most that come without
a session cookie (visitors, health checks) never touch it. Django's store looks up its
cache and imports its serializer by name as it is made: a context-local lookup and an
import, a twentieth of the tiny page's cost in `make bench`. Here both wait for the
first read or write; everything else is Django's.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches
from django.utils.functional import cached_property
from django.utils.module_loading import import_string


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        # SessionBase.__init__'s first three lines; the other two are the properties below.
        self._session_key = session_key
        self.accessed = False
        self.modified = False

    @cached_property
    def _cache(self) -> Any:
        return caches[settings.SESSION_CACHE_ALIAS]

    @cached_property
    def serializer(self) -> Any:
        return import_string(settings.SESSION_SERIALIZER)
