from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint


class Kind(models.TextChoices):
    SUBMITTED = "submitted", _("Complaint received")
    DRAFT_STALE = "draft_stale", _("Draft not submitted")
    UNREVIEWED = "unreviewed", _("Complaint waiting for review")
    INFO_REQUEST = "info_request", _("Information still missing")
    ESCALATION_DUE_SOON = "escalation_due_soon", _("Answer due soon")
    ESCALATION_OVERDUE = "escalation_overdue", _("Answer overdue")
    LIMITATION_90 = "limitation_90", _("Time limit for a lawsuit: 90 days left")
    LIMITATION_30 = "limitation_30", _("Time limit for a lawsuit: 30 days left")
    DIRECTORY_DIGEST = "directory_digest", _("Directory entries to check")
    HOLIDAY_SCHEDULE = "holiday_schedule", _("Holiday schedule to enter")
    ACCOUNT_SECURITY = "account_security", _("Your account's security changed")
    # Issue 16, after closing: the borrower is asked whether the harassment stopped
    # (object: the cases.FollowUp); the advocates are told when it goes on.
    FOLLOWUP = "followup", _("Did the harassment stop?")
    HARASSMENT_CONTINUES = "harassment_continues", _("Harassment goes on after closing")
    # Told at once, as it happens on a case (complaints.hooks.Activity; issue 16).
    INFO_REQUESTED = "info_requested", _("An advocate asked you something")
    ADVOCATE_MESSAGE = "advocate_message", _("An advocate wrote to you")
    STATUS_CHANGED = "status_changed", _("Complaint status changed")
    REPLY_RECEIVED = "reply_received", _("A reply arrived")
    MAIL_BOUNCED = "mail_bounced", _("A letter could not be delivered")
    INFO_ANSWERED = "info_answered", _("The borrower answered a request")
    INCIDENT_ADDED = "incident_added", _("New incidents on a case")
    EVIDENCE_ADDED = "evidence_added", _("New evidence on a case")
    MAIL_UNMATCHED = "mail_unmatched", _("Inbound mail to sort")


class Channel(models.TextChoices):
    APP = "app", _("In the app")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class Reminder(models.Model):
    """One thing one person must be told, about one object, for one due moment.

    The unique constraint is what makes the sweep safe to run any number of times on any
    number of workers: a second attempt to create the same reminder finds it exists.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    # What it is about: the id of a complaint, escalation, request... by kind; 0 for digests.
    object_id = models.BigIntegerField()
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    due_at = models.DateTimeField(_("due"))
    created = models.DateTimeField(_("created"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Rendered once, in the recipient's language when it was created: what the email and
    # the SMS said, kept as sent. The inbox renders `params` again in the reader's current
    # language (notifications.services.reminder_text); rows from before `params` existed
    # (null) show these.
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    params = models.JSONField(_("message data"), null=True, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-due_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "object_id", "due_at"], name="reminder_once_per_moment"
            ),
        ]
        indexes = [
            # The bell: a user's unread in-app reminders.
            models.Index(fields=["recipient", "read_at"], name="reminder_unread"),
            # The sweep's "already planned?" check per kind and object.
            models.Index(fields=["kind", "object_id"], name="reminder_kind_object"),
            # Each sweep looks for open reminders whose reason went away; cancelled ones are
            # most of the table as it ages (found by `make bench`).
            models.Index(
                fields=["kind"], name="reminder_open_kind", condition=models.Q(cancelled_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id}"


class Delivery(models.Model):
    """One reminder on one channel. Failed sends stay visible and are retried by the sweep."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PENDING)
    # Quiet hours move this forward; the sweep sends nothing before it.
    send_after = models.DateTimeField(_("not before"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Which sweep claimed it: one UPDATE claims a whole batch, and this tells each sweep
    # which rows it won.
    claim = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["reminder", "channel"], name="delivery_once_per_channel"),
        ]
        indexes = [
            # The sender's queue: what waits, oldest first.
            models.Index(
                fields=["send_after"],
                name="delivery_waiting",
                condition=models.Q(state__in=["pending", "failed", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reminder_id}/{self.channel}: {self.state}"


class Preference(models.Model):
    """How a person wants to be told. Missing row = the defaults below."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.BooleanField(_("by email"), default=True)
    sms = models.BooleanField(_("by SMS"), default=False)
    quiet_hours = models.BooleanField(
        _("no email or SMS between 21:00 and 08:00"),
        default=True,
        help_text=_("What falls in these hours is sent at 08:00 Beijing time."),
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user_id)
