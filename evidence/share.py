"""Links that let a lender or a regulator fetch a complaint's package for sharing without
an account: sent in the letter the app emails for the borrower (escalations.sending).

A link is a token signed with SECRET_KEY (django.core.signing, HMAC-SHA256): it names the
complaint, the last moment of evidence it covers (files added later are not in it, so the
package matches the list in the email), and when it stops working. Nobody can make or
alter one without the key, so there is nothing to guess; a tampered or expired token is a
404 like any unknown page. Each download is in the complaint's audit trail. Only the
package for sharing is ever served this way: copies without location data, third
parties covered (evidence.package); never an original.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from complaints.models import Complaint

from .models import Evidence

SALT = "evidence.share.package"


@dataclass(frozen=True)
class ShareLink:
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class Shared:
    complaint_id: int
    upto: datetime


def share_link_lifetime() -> timedelta:
    return timedelta(days=settings.EVIDENCE_SHARE_LINK_DAYS)


def share_link_make(*, complaint: Complaint, now: datetime) -> ShareLink:
    """A link to the package for sharing of the evidence `complaint` has at `now`."""
    expires_at = now + share_link_lifetime()
    token = signing.dumps(
        {"c": complaint.pk, "u": now.timestamp(), "e": int(expires_at.timestamp())}, salt=SALT
    )
    path = reverse("evidence:shared_package", args=[token])
    return ShareLink(url=settings.SITE_URL.rstrip("/") + path, expires_at=expires_at)


def share_link_read(token: str, *, now: datetime) -> Shared | None:
    """What a token shares, or None when it was not made here, was altered or has expired."""
    try:
        data = signing.loads(token, salt=SALT)
        complaint_id, upto, expires = int(data["c"]), float(data["u"]), int(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if now.timestamp() >= expires:
        return None
    return Shared(complaint_id=complaint_id, upto=datetime.fromtimestamp(upto, tz=UTC))


def shared_evidence(complaint: Complaint, upto: datetime) -> list[Evidence]:
    """What a link serves: the files the letter listed (not withdrawn, there when it was sent)."""
    return list(
        complaint.evidence.filter(withdrawn_at__isnull=True, created__lte=upto)
        .select_related("incident", "reading")
        .defer("reading__lines", "reading__text", "reading__search_text")
        .order_by("created", "pk")
    )
