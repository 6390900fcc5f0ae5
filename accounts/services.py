from __future__ import annotations

from django.db import transaction

from .models import Role, User


@transaction.atomic
def user_sign_up(
    *, phone: str, password: str, email: str = "", display_name: str = "", language: str = "zh-hans"
) -> User:
    """A new borrower. The phone number doubles as the username, so either logs in."""
    user = User(
        username=phone,
        phone=phone,
        email=email,
        display_name=display_name,
        role=Role.BORROWER,
        language=language,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user
