from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from lib.phones import is_mainland_mobile, normalize_phone


class PhoneEmailOrUsernameBackend(ModelBackend):
    """Log in with a username, a mainland mobile number (as people type it) or an email."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None or password is None:
            return None
        User = get_user_model()
        identifier = username.strip()
        query = Q(username=identifier)
        phone = normalize_phone(identifier)
        if is_mainland_mobile(phone):
            query |= Q(phone=phone)
        if "@" in identifier:
            query |= Q(email__iexact=identifier)
        candidates = list(User._default_manager.filter(query)[:2])
        if len(candidates) != 1:
            # Run the hasher anyway so timing does not reveal whether the account exists.
            User().set_password(password)
            return None
        user = candidates[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def lockout_key(request: HttpRequest | None, credentials: dict[str, Any]) -> str:
    """One throttling key per account, however the person typed it.

    Without this, "13800000001", "138 0000 0001" and "+86 13800000001" would each get
    their own five attempts. Unknown identifiers are keyed by their normalised form.
    """
    identifier = (credentials or {}).get("username") or ""
    identifier = identifier.strip()
    phone = normalize_phone(identifier)
    User = get_user_model()
    query = Q(username=identifier)
    if is_mainland_mobile(phone):
        query |= Q(phone=phone)
    if "@" in identifier:
        query |= Q(email__iexact=identifier)
    pks = list(User._default_manager.filter(query).values_list("pk", flat=True)[:2])
    if len(pks) == 1:
        return f"user:{pks[0]}"
    if is_mainland_mobile(phone):
        return phone
    return identifier.lower()
