from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

# lib.versions name of the accounts' data: bumped when an account is created, changed or
# deleted by a service or the admin, for caches such as the advocates' hand-over list.
PEOPLE_VERSION = "people"


class Role(models.TextChoices):
    BORROWER = "borrower", _("Borrower")
    ADVOCATE = "advocate", _("Advocate")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """A person who signs in. Borrowers sign up with a mainland mobile number.

    `username` stays as Django's identifier (the phone number for self sign-ups, a
    chosen handle for staff); people log in with the username, the phone or the email.
    """

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.BORROWER)
    # Stored normalised (11 digits, no +86) so one number can only hold one account.
    # NULL rather than "" for staff without a number, so they do not collide on uniqueness.
    phone = models.CharField(_("mobile number"), max_length=11, null=True, blank=True)  # noqa: DJ001
    display_name = models.CharField(
        _("how to address you"),
        max_length=60,
        blank=True,
        help_text=_("A name or nickname. Advocates use it when they write to you."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        default="zh-hans",
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(fields=["phone"], name="user_phone_unique"),
            # Email is optional, but when given it identifies one account at login.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ci",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["borrower", "advocate", "admin"]),
                name="user_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_advocate(self) -> bool:
        return self.role == Role.ADVOCATE

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_caseworker(self) -> bool:
        """Advocates and admins: the people who review other people's complaints."""
        return self.role in (Role.ADVOCATE, Role.ADMIN)


class Consent(models.Model):
    """A person's recorded consent: to what, under which version of the notice, and when.

    PIPL asks for separate consent for sensitive personal information (financial
    accounts, recordings of other people's voices) and for giving data to another
    processor; each is its own row, never a pre-ticked box.
    """

    class Purpose(models.TextChoices):
        PROCESSING = "processing", _("Processing of my complaint data")
        SENSITIVE = "sensitive", _("Sensitive information: loan details and recordings of other people")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    notice_version = models.CharField(_("notice version"), max_length=20)
    given_at = models.DateTimeField(_("given"))

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose", "notice_version"], name="consent_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose} {self.notice_version}"
