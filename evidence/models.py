from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Channel, Complaint, ContactedParty, HarassmentKind, Incident
from lib.phones import mask_phone

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


def reading_upload_to(instance: Reading, filename: str) -> str:
    evidence = instance.evidence
    return f"evidence/{evidence.created:%Y/%m}/{evidence.public_id.hex}/{filename}"


class Reading(models.Model):
    """What OCR read in one screenshot, and the copy of it that may leave the app.

    The copy covers third parties' numbers and names (`covers`, each with why and
    whether it is covered now); it is what the evidence package shares, while the
    original stays byte for byte for a court.
    """

    evidence = models.OneToOneField(Evidence, on_delete=models.CASCADE, related_name="reading")
    text = models.TextField(_("recognised text"), blank=True)
    # The text without spaces and in one case: what advocates' phrase search compares.
    search_text = models.TextField(blank=True, editable=False)
    # [{"text", "box", "chars"}]: a box per character, in the upright picture's pixels.
    lines = models.JSONField(default=list, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sender = models.CharField(_("sender"), max_length=80, blank=True)
    # The day the times on the screen are on, as far as we can tell: the photo's date when
    # the file has one, else the upload's. The borrower confirms it once per screenshot.
    shot_day = models.DateField(_("day of the screenshot"), null=True, blank=True)
    seconds = models.FloatField(default=0)
    # [{"id", "kind", "label", "reason", "boxes", "covered", "by", "at"}]
    covers = models.JSONField(default=list, blank=True)
    # Each change of the covers bumps it; a copy made for an older version is thrown away.
    redaction_version = models.PositiveIntegerField(default=0)
    redacted_file = models.FileField(upload_to=reading_upload_to, max_length=255, blank=True)
    redacted_sha256 = models.CharField(max_length=64, blank=True)
    redacted_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("recognised text")
        verbose_name_plural = _("recognised texts")

    def __str__(self) -> str:
        return f"{self.evidence}: {self.text[:40]}"

    @property
    def covered(self) -> list[dict]:
        return [c for c in self.covers if c.get("covered")]

    @property
    def needs_redaction(self) -> bool:
        return bool(self.covered)

    @property
    def redaction_pending(self) -> bool:
        return self.needs_redaction and not self.redacted_file


class ReadingGram(models.Model):
    """Two consecutive characters of a screenshot's text, for phrase search across cases.

    A phrase is looked up through the (gram, complaint) index: the complaints whose
    screenshots hold each of its pairs, then the few candidates are checked for the
    phrase itself. Searching inside every text would read every row.
    """

    gram = models.CharField(max_length=2)
    reading = models.ForeignKey(Reading, on_delete=models.CASCADE, related_name="grams")
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [
            # Phrase search: the complaints holding a pair, from the index alone.
            models.Index(fields=["gram", "complaint"], name="reading_gram_complaint"),
        ]

    def __str__(self) -> str:
        return self.gram


class Proposal(models.Model):
    """An incident read from a screenshot, waiting for the borrower: never recorded
    until they accept it (as it is, or edited), and gone from view once dismissed."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        DISMISSED = "dismissed", _("Dismissed")

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="proposals")
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="proposals")
    position = models.PositiveSmallIntegerField(default=0)
    channel = models.CharField(_("how"), max_length=16, choices=Channel.choices)
    kind = models.CharField(_("what they did"), max_length=24, choices=HarassmentKind.choices)
    contacted = models.CharField(
        _("who was contacted"), max_length=20, choices=ContactedParty.choices, default=ContactedParty.SELF
    )
    collector_id = models.CharField(_("collector's number or account"), max_length=80, blank=True)
    at = models.TimeField(_("time"), null=True, blank=True)
    # The day, when the screen printed one ("5月3日 21:43"); else `days_before` the
    # screenshot's day ("昨天" is 1).
    printed_day = models.DateField(null=True, blank=True)
    days_before = models.PositiveSmallIntegerField(default=0)
    # The collector's words, third parties' numbers already masked.
    quote = models.TextField(_("what they wrote"), blank=True, max_length=5000)
    third_party_numbers = models.JSONField(default=list, blank=True)
    # A call log: every call's time, one proposal per day.
    call_times = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PROPOSED)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["evidence_id", "position", "pk"]
        indexes = [
            # The complaint page: a complaint's open proposals.
            models.Index(
                fields=["complaint", "evidence"], name="proposal_open", condition=models.Q(state="proposed")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.at or ''}"

    @property
    def masked_numbers(self) -> list[str]:
        return [mask_phone(n) for n in self.third_party_numbers]

    @property
    def call_count(self) -> int:
        return len(self.call_times)
