from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, Incident

# Tries at processing one file, the one that a worker died in counted too; after the last,
# the file is left as it is and its filer is told.
MAX_PROCESSING_ATTEMPTS = 5


def original_upload_to(instance: Evidence, filename: str) -> str:
    # Generated, never the user's name: names carry paths, scripts and personal data.
    return f"evidence/{instance.created:%Y/%m}/{instance.public_id.hex}/original{instance.extension}"


def derived_upload_to(instance: Evidence, filename: str) -> str:
    return f"evidence/{instance.created:%Y/%m}/{instance.public_id.hex}/{filename}"


class Evidence(models.Model):
    """One file supporting a complaint. The original is kept byte for byte; its hash is the point."""

    class Kind(models.TextChoices):
        RECORDING = "recording", _("Recording")
        IMAGE = "image", _("Image")
        DOCUMENT = "document", _("Document")
        CHAT = "chat", _("Chat export")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be processed")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Processing failed")
        # Kept, as every file is, but only part of it can be played or shown.
        DAMAGED = "damaged", _("Damaged")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="evidence"
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    original_name = models.CharField(_("file name"), max_length=200)
    extension = models.CharField(max_length=10, editable=False)
    content_type = models.CharField(_("detected type"), max_length=60)
    size = models.BigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file = models.FileField(_("original"), upload_to=original_upload_to, max_length=255)
    display_file = models.FileField(upload_to=derived_upload_to, max_length=255, blank=True)
    display_content_type = models.CharField(max_length=60, blank=True)
    thumbnail = models.FileField(upload_to=derived_upload_to, max_length=255, blank=True)
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    metadata = models.JSONField(_("what processing learned"), default=dict, blank=True)
    state = models.CharField(_("processing"), max_length=16, choices=State.choices, default=State.PENDING)
    processing_error = models.CharField(max_length=300, blank=True)
    processing_attempts = models.PositiveSmallIntegerField(default=0)
    # When processing last took the file: a claim this old belongs to a worker that died.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Which run claimed it (a Celery task id): the same task delivered again may take it back.
    claim = models.UUIDField(null=True, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("uploaded"), default=timezone.now)
    # After submission evidence is never silently deleted: it is withdrawn, visibly.
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("why it was withdrawn"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["created", "pk"]
        indexes = [
            # A complaint's evidence in upload order, and its size/count quota.
            models.Index(fields=["complaint", "created"], name="evidence_complaint_time"),
            # The processing sweep picks up files that were never processed.
            models.Index(fields=["state"], name="evidence_state", condition=~models.Q(state="ready")),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="evidence_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def gave_up(self) -> bool:
        """Processing failed as often as it may; nothing will try again."""
        return self.state == self.State.FAILED and self.processing_attempts >= MAX_PROCESSING_ATTEMPTS

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]
