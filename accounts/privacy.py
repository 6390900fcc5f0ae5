"""A person's rights over their data (PIPL Arts 44–47): take a copy, and leave.

Export: everything held about the person, as JSON plus their original files, streamed as
one ZIP. Deletion: personal data and files are erased; the complaints stay only as
anonymous statistics (lender, province, kinds and dates of incidents, status), owned by a
placeholder account, because the patterns across complaints are what regulators act on.

accounts sits low in the layers and knows none of the apps that hold the data: each of
them registers its share (`PersonalData`) in its `AppConfig.ready()`, so a new app that
keeps something about people adds its part next to its models and cannot be forgotten
here. A test checks that every model pointing at a user or a complaint is covered.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lib.zipstream import ZipPipe

from . import events

DELETED_USERNAME = "deleted-account"


@dataclass
class Erased:
    """What one app erased: files to remove from storage once the deletion has committed,
    and counts to tell the person."""

    files: list[Any] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PersonalData:
    """One app's share of what is held about a person.

    `export(user)` returns keys for data.json; `files(user)` yields (name in the ZIP,
    stored file); `erase(user, now)` erases or anonymises inside the deletion's
    transaction. Erasure runs in the reverse order of registration (INSTALLED_APPS order,
    lowest app first), so rows that point at lower apps' rows go first.
    `models` names what the part answers for (app_label.Model), for the coverage test.
    """

    name: str
    export: Callable[[Any], dict[str, Any]] | None = None
    files: Callable[[Any], Iterable[tuple[str, Any]]] | None = None
    erase: Callable[[Any, datetime], Erased] | None = None
    models: tuple[str, ...] = ()


_parts: list[PersonalData] = []


def register(part: PersonalData) -> None:
    """Idempotent: `ready()` may run more than once in tests."""
    for i, existing in enumerate(_parts):
        if existing.name == part.name:
            _parts[i] = part
            return
    _parts.append(part)


def parts() -> list[PersonalData]:
    return list(_parts)


def iso(value: datetime | None) -> str | None:
    """A moment in the reader's time zone (Beijing unless they chose another), with its
    offset: "2026-11-20T21:30:00+08:00", the hour they remember, not UTC's."""
    return timezone.localtime(value).isoformat() if value else None


def _own_data(user: Any) -> dict[str, Any]:
    from .models import Consent

    return {
        "account": {
            "username": user.username,
            "phone": user.phone,
            "email": user.email,
            "display_name": user.display_name,
            "language": user.language,
            "date_joined": iso(user.date_joined),
        },
        "consents": [
            {"purpose": c.purpose, "notice_version": c.notice_version, "given_at": iso(c.given_at)}
            for c in Consent.objects.filter(user=user)
        ],
    }


def export_data(user: Any) -> dict[str, Any]:
    """Everything the product holds about `user` that is theirs to see."""
    data: dict[str, Any] = {"exported_at": iso(timezone.now()), **_own_data(user)}
    for part in _parts:
        if part.export is not None:
            data.update(part.export(user))
    return data


def stream_export(user: Any) -> Iterator[bytes]:
    """The ZIP: data.json and every original file the person uploaded, built while sent.
    Recorded at once (not when the download starts) through the account's event listeners."""
    events.security_event_emit(events.SecurityEvent(user=user, kind=events.DATA_EXPORTED, at=timezone.now()))
    return _zip(user)


def _zip(user: Any) -> Iterator[bytes]:
    data = export_data(user)
    pipe = ZipPipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        yield pipe.drain()
        for part in _parts:
            if part.files is None:
                continue
            for name, stored in part.files(user):
                with stored.open("rb") as source, archive.open(name, mode="w", force_zip64=True) as target:
                    while block := source.read(256 * 1024):
                        target.write(block)
                        yield pipe.drain()
    yield pipe.drain()


def placeholder_account() -> Any:
    """The inactive account that owns the complaints of people who left."""
    User = get_user_model()
    user, _created = User.objects.get_or_create(
        username=DELETED_USERNAME, defaults={"is_active": False, "display_name": "", "phone": None}
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def account_delete(*, user: Any, now: datetime | None = None) -> dict[str, int]:
    """Erase the person; keep their complaints only as anonymous statistics.

    Files are removed from storage after the transaction commits, so a failure half way
    leaves both the rows and the files.
    """
    now = now or timezone.now()
    files: list[Any] = []
    counts: dict[str, int] = {}
    for part in reversed(_parts):
        if part.erase is not None:
            erased = part.erase(user, now)
            files.extend(erased.files)
            counts.update(erased.counts)
    user.delete()
    transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])
    # The files the person uploaded, not the copies and thumbnails made from them: "3 files"
    # is what they remember uploading.
    return {
        "complaints_kept_anonymously": counts.get("complaints", 0),
        "files_erased": counts.get("uploads", len(files)),
    }
