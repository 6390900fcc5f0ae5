from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    VIEW_CASE = "view_case", _("Opened the case")
    DOWNLOAD_EVIDENCE = "download_evidence", _("Downloaded or played evidence")
    DOWNLOAD_PACKAGE = "download_package", _("Downloaded the evidence package")
    STATUS_CHANGE = "status_change", _("Changed the status")
    EXPORT_DATA = "export_data", _("Exported their data")
    DIRECTORY_EDIT = "directory_edit", _("Edited the regulator directory")
    VIEW_LETTER = "view_letter", _("Opened a letter")
    TWO_FACTOR_CHANGE = "two_factor_change", _("Changed two-step login")


class AuditEvent(models.Model):
    """One access or change. Rows are only ever added: there is no service that edits them,
    and the admin offers no change or delete."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept when the account is gone, so the trail still says which role acted.
    actor_label = models.CharField(_("who (at the time)"), max_length=160, blank=True)
    action = models.CharField(_("what"), max_length=24, choices=Action.choices)
    # By name, not by import: the trail sits below complaints in the layers, so that the
    # complaint services can write it.
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    created = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created", "-pk"]
        indexes = [
            # A case's trail, newest first.
            models.Index(fields=["complaint", "-created"], name="audit_complaint_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"
