from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from regulators.models import (
    Regulator,
    validate_channels,
    validate_harassment_kinds,
)


class HolidayOverride(models.Model):
    """One day whose status in China's calendar an admin sets by hand.

    For a year whose official schedule the `holidays` package does not have yet (see
    escalations.workdays), or to correct it: a public holiday is a day with
    `is_working_day` unticked; a make-up working Saturday (调休) is one with it ticked.
    """

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"),
        help_text=_("Tick for a make-up working day on a weekend; leave unticked for a holiday."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("For example: 2027 国庆节."))
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.note}".strip()


class HolidaySchedule(models.Model):
    """An admin's word that a year's State Council schedule is entered in full (as
    HolidayOverride rows). Until then, for a year the `holidays` package has no official
    schedule for, due dates in that year are shown as estimates: its make-up working
    days are unknown. Saving one recounts the deadlines still running."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("The State Council notice, e.g. 国办发明电〔2026〕X号."),
    )
    created = models.DateTimeField(_("entered"), default=timezone.now)

    class Meta:
        verbose_name = _("holiday schedule entered")
        verbose_name_plural = _("holiday schedules entered")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class EscalationChannel(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    ONLINE = "online", _("Online portal")
    EMAIL = "email", _("Email")
    POST = "post", _("Post")
    IN_PERSON = "in_person", _("In person")
    APP = "app", _("App or customer service")


class EscalationStatus(models.TextChoices):
    DRAFTED = "drafted", _("Drafted, not sent")
    SENT = "sent", _("Sent, waiting for an answer")
    ACKNOWLEDGED = "acknowledged", _("Received, waiting for an answer")
    ANSWERED = "answered", _("Answered")
    OVERDUE = "overdue", _("Answer overdue")
    CLOSED = "closed", _("Closed")


# Still waiting for the body: these count for Complaint.next_due_at.
AWAITING_STATUSES = frozenset(
    {EscalationStatus.SENT, EscalationStatus.ACKNOWLEDGED, EscalationStatus.OVERDUE}
)


class Escalation(models.Model):
    """The complaint was sent to its lender or to one regulator: when, how, and what came back.

    Exactly one of `lender` and `regulator` is set. The due date is computed when the
    complaint is sent, from the target's deadline rule, and kept with the rule it came
    from: a rule edited later in the directory does not move a deadline already running.
    """

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="escalations",
    )
    lender = models.ForeignKey(
        "complaints.Lender",
        verbose_name=_("lender"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    # The lender of record (the funder named in the loan contract), beside the brand.
    institution = models.ForeignKey(
        "complaints.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    regulator = models.ForeignKey(
        Regulator,
        verbose_name=_("regulator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    channel = models.CharField(_("how it was sent"), max_length=16, choices=EscalationChannel.choices)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    reference = models.CharField(_("their reference number"), max_length=80, blank=True)
    # Sent by the app (issue 16): replies come back to reply+<token>@REPLY_DOMAIN, and
    # In-Reply-To names message_id. The token is unguessable; it alone routes a reply.
    reply_token = models.CharField(max_length=40, unique=True, null=True, blank=True, editable=False)
    message_id = models.CharField(_("message id"), max_length=255, blank=True, editable=False)
    due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    # The rule due_at was computed from, as it read then (with its source and doubts).
    deadline_basis = models.TextField(_("deadline rule applied"), blank=True)
    # Its length, kept so that the due date can be counted again with a holiday schedule
    # entered later (escalations/schedules.py) without reading the directory as it is now.
    deadline_days = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    deadline_working_days = models.BooleanField(default=False, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=EscalationStatus.choices, default=EscalationStatus.SENT
    )
    acknowledged_at = models.DateTimeField(_("receipt confirmed"), null=True, blank=True)
    answer = models.TextField(_("their answer"), blank=True, max_length=5000)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer_document = models.ForeignKey(
        "evidence.Evidence",
        verbose_name=_("answer document"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    satisfied = models.BooleanField(_("satisfied with the answer"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("recorded"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["created", "pk"]
        indexes = [
            # The complaint page lists a complaint's escalations in order.
            models.Index(fields=["complaint", "created"], name="escalation_complaint_time"),
            # The overdue sweep: answers still awaited, by due date.
            models.Index(
                fields=["due_at"],
                name="escalation_awaiting_due",
                condition=models.Q(status__in=["sent", "acknowledged"], due_at__isnull=False),
            ),
            # The reminder sweep: answers awaited, late ones included, that came due in the
            # minutes since the sweep before.
            models.Index(
                fields=["due_at"],
                name="escalation_answer_awaited",
                condition=models.Q(status__in=["sent", "acknowledged", "overdue"], due_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(lender__isnull=False, regulator__isnull=True, institution__isnull=True)
                    | models.Q(lender__isnull=True, regulator__isnull=False, institution__isnull=True)
                    | models.Q(lender__isnull=True, regulator__isnull=True, institution__isnull=False)
                ),
                name="escalation_one_target",
                violation_error_message=_(
                    "An escalation goes to one target: the brand, the institution of record or a regulator."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=EscalationStatus.values),
                name="escalation_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=EscalationChannel.values),
                name="escalation_channel_valid",
            ),
            # Only a draft has not been sent; every deadline runs from the sending.
            models.CheckConstraint(
                condition=models.Q(status="drafted") | models.Q(sent_at__isnull=False),
                name="escalation_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="answered") | models.Q(answered_at__isnull=False),
                name="escalation_answered_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} → {self.target}"

    @property
    def target(self) -> Regulator | Any:
        if self.regulator_id:
            return self.regulator
        return self.institution if self.institution_id else self.lender

    @property
    def target_name(self) -> str:
        if self.regulator_id:
            return self.regulator.name_zh
        return self.institution.name if self.institution_id else self.lender.name

    @property
    def next_step_text(self) -> str:
        """The body after this one on the complaint's route, with its hotline; "" if none.

        For reminders that an answer is overdue. Computes the route: not for lists.
        """
        from regulators.routing import route_for_complaint

        steps = route_for_complaint(self.complaint)
        keys = [s.key for s in steps]
        if self.target_key not in keys:
            return ""
        # A body the complaint already went to is not a next step, wherever it sits.
        contacted = {e.target_key for e in self.complaint.escalations.exclude(status="drafted")}
        start = keys.index(self.target_key) + 1
        following = [
            step for step, key in zip(steps[start:], keys[start:], strict=True) if key not in contacted
        ]
        if not following:
            return ""
        step = following[0]
        if step.regulator is None:
            return step.name
        hotline = step.regulator.hotline
        return f"{step.regulator.name_zh} ({hotline})" if hotline else step.regulator.name_zh

    @property
    def target_key(self) -> str:
        """The target as it appears in letter URLs: lender-12, institution-5 or regulator-34."""
        if self.regulator_id:
            return f"regulator-{self.regulator_id}"
        return f"institution-{self.institution_id}" if self.institution_id else f"lender-{self.lender_id}"

    @property
    def is_awaiting(self) -> bool:
        return self.status in AWAITING_STATUSES

    def is_late(self, now: datetime) -> bool:
        """Past its due date with no answer; true before the overdue sweep has run too."""
        return self.is_awaiting and self.due_at is not None and now > self.due_at


class LetterDraft(models.Model):
    """The complaint letter to one target as the borrower edited it.

    Without a draft the letter is generated from the complaint every time it is shown;
    saving an edited text freezes it until the borrower resets it.
    """

    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="letter_drafts",
    )
    lender = models.ForeignKey(
        "complaints.Lender",
        verbose_name=_("lender"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    institution = models.ForeignKey(
        "complaints.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    regulator = models.ForeignKey(
        Regulator,
        verbose_name=_("regulator"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    text = models.TextField(_("letter"), max_length=20000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("edited by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated = models.DateTimeField(_("edited"), default=timezone.now)

    class Meta:
        verbose_name = _("letter draft")
        verbose_name_plural = _("letter drafts")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(lender__isnull=False, regulator__isnull=True, institution__isnull=True)
                    | models.Q(lender__isnull=True, regulator__isnull=False, institution__isnull=True)
                    | models.Q(lender__isnull=True, regulator__isnull=True, institution__isnull=False)
                ),
                name="letterdraft_one_target",
            ),
            # One draft per complaint and target; the partial constraints also serve
            # the look-up the letter views make.
            models.UniqueConstraint(
                fields=["complaint", "lender"],
                condition=models.Q(lender__isnull=False),
                name="letterdraft_unique_lender",
            ),
            models.UniqueConstraint(
                fields=["complaint", "regulator"],
                condition=models.Q(regulator__isnull=False),
                name="letterdraft_unique_regulator",
            ),
            models.UniqueConstraint(
                fields=["complaint", "institution"],
                condition=models.Q(institution__isnull=False),
                name="letterdraft_unique_institution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} → {self.lender_id or self.institution_id or self.regulator_id}"


def letter_pdf_upload_to(instance: LetterPdf, filename: str) -> str:
    # Generated, like evidence keys: nothing typed by a user ends up in a path.
    return f"letters/{instance.created:%Y/%m}/{uuid.uuid4().hex}.pdf"


class LetterPdf(models.Model):
    """One letter rendered as a PDF, kept per exact text so that it is rendered once.

    A long letter takes WeasyPrint seconds, so a worker renders it (escalations.tasks) and
    the view serves the stored file. The digest covers the text, the title and the PDF
    template, so an edit, a new incident or a new stylesheet is a new row. Nothing here
    is the record of the case: rows and files may go at any time and are made again on
    request (escalations.pdfs prunes them; an edit or the account's deletion removes them).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("being prepared")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="letter_pdfs"
    )
    # The letter URL's target ("lender-12", "regulator-34"): the PDF belongs to that letter.
    target_key = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # What the worker renders: the viewer's exact text (a caseworker's has the number
    # masked). Emptied once the file exists, which holds the same words.
    text = models.TextField(blank=True)
    file = models.FileField(upload_to=letter_pdf_upload_to, max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)
    # When a render was last asked of the queue; a stale one is asked again.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One row per version; also the index of the view's look-up and of pruning
            # (complaint, target_key).
            models.UniqueConstraint(
                fields=["complaint", "target_key", "digest"], name="letterpdf_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.target_key} {self.digest[:12]} {self.state}"


class CheckKind(models.TextChoices):
    """How escalations.conduct tests an incident against a ConductRule."""

    QUIET_HOURS = "quiet_hours", _("Contact during quiet hours")
    CALLS_PER_DAY = "calls_per_day", _("More contacts in a day than the limit")
    CALLS_PER_CONTACT = "calls_per_contact", _("More calls in a day to one person than the limit")
    THIRD_PARTIES = "third_parties", _("Contact with unrelated third parties")
    INCIDENT_KIND = "incident_kind", _("A kind of incident the rule bans")


# The check kinds that need a daily limit.
DAILY_LIMIT_CHECKS = (CheckKind.CALLS_PER_DAY, CheckKind.CALLS_PER_CONTACT)


class ConductRule(models.Model):
    """One rule of collection conduct that incidents are checked against.

    From the domain notes' "Collection-conduct rules" table. The limits and hours are data
    because they come from guidelines whose text could not be checked against the
    original (see `confirmed`) and may change: an admin corrects them here and every
    complaint page and letter follows. escalations.conduct does the checking.
    """

    # Seeding matches on the code only (never on the name), so an admin may rename or
    # reword a seeded rule and the next seed run leaves it alone.
    code = models.SlugField(
        _("code"),
        max_length=60,
        unique=True,
        help_text=_("A short fixed name. Seeded rules are recognised by it, so it cannot change later."),
    )
    name_zh = models.CharField(_("name in Chinese"), max_length=200, help_text=_("Letters use this name."))
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    check_kind = models.CharField(_("kind of check"), max_length=24, choices=CheckKind.choices)
    channels = models.JSONField(
        _("channels"),
        default=list,
        blank=True,
        validators=[validate_channels],
        help_text=_("Only incidents on these channels are checked and counted; empty means every channel."),
    )
    incident_kinds = models.JSONField(
        _("kinds of incident"),
        default=list,
        blank=True,
        validators=[validate_harassment_kinds],
        help_text=_("For a check of the kind of incident: the kinds that break the rule."),
    )
    max_per_day = models.PositiveSmallIntegerField(
        _("limit per day"),
        null=True,
        blank=True,
        help_text=_(
            "For the daily limits: how many are allowed in one day (Beijing time); one more breaks the rule."
        ),
    )
    quiet_from = models.TimeField(
        _("quiet hours start"),
        null=True,
        blank=True,
        help_text=_("For quiet hours, in Beijing time: for example 22:00."),
    )
    quiet_until = models.TimeField(
        _("quiet hours end"),
        null=True,
        blank=True,
        help_text=_("In Beijing time, for example 08:00; earlier than the start means the next morning."),
    )
    possible_only = models.BooleanField(
        _("only a possible breach"),
        default=False,
        help_text=_(
            "Tick when an incident can only show that the rule may have been broken, because it depends "
            "on facts an incident does not record (for visits: how many collectors came)."
        ),
    )
    source = models.TextField(
        _("source"), help_text=_("The instrument and article as letters cite it, in Chinese.")
    )
    source_reference = models.TextField(
        _("where it was read"), blank=True, help_text=_("Web addresses or references to check it against.")
    )
    confirmed = models.BooleanField(
        _("confirmed"),
        default=False,
        help_text=_(
            "Tick only once the rule and its article were checked against the official text. "
            "Unconfirmed rules say so wherever they are shown."
        ),
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Untick to stop checking incidents against this rule. Do not delete seeded rules: seeding would bring them back."
        ),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100, help_text=_("Lower comes first."))
    created = models.DateTimeField(_("created"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("conduct rule")
        verbose_name_plural = _("conduct rules")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(check_kind__in=CheckKind.values),
                name="conductrule_check_kind_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(check_kind=CheckKind.QUIET_HOURS)
                | models.Q(quiet_from__isnull=False, quiet_until__isnull=False),
                name="conductrule_quiet_hours_set",
                violation_error_message=_("Quiet hours need a start and an end."),
            ),
            models.CheckConstraint(
                condition=~models.Q(check_kind__in=DAILY_LIMIT_CHECKS) | models.Q(max_per_day__isnull=False),
                name="conductrule_daily_limit_set",
                violation_error_message=_("A daily limit needs the limit per day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.name_en})" if self.name_en else self.name_zh

    def clean(self) -> None:
        if (
            self.check_kind == CheckKind.QUIET_HOURS
            and self.quiet_from is not None
            and self.quiet_from == self.quiet_until
        ):
            raise ValidationError({"quiet_until": _("Quiet hours cannot start and end at the same time.")})
        if self.check_kind == CheckKind.INCIDENT_KIND and not self.incident_kinds:
            raise ValidationError({"incident_kinds": _("Choose at least one kind of incident.")})

    @property
    def name(self) -> str:
        """The name in the interface's language (Chinese when there is no English one)."""
        return self.name_en if get_language() == "en" and self.name_en else self.name_zh

    @property
    def description(self) -> str:
        return self.description_en if get_language() == "en" and self.description_en else self.description_zh

    def covers_channel(self, channel: str) -> bool:
        return not self.channels or channel in self.channels


def inbound_raw_upload_to(instance: InboundMail, filename: str) -> str:
    # Generated: a sender's subject or file name never becomes a path.
    return f"inbound/{instance.received_at:%Y/%m}/{uuid.uuid4().hex}.eml"


class InboundMail(models.Model):
    """One email that reached `manage.py receive_mail` (issue 16), and what became of it.

    Replies to the letters the app sent land in their case (`matched`); everything else
    waits here for an admin: mail whose token matches nothing, bounces, auto-replies,
    mail too large or too broken to read. The raw message is kept as a private file for
    the admin, never served inline; `text` is its decoded body, shown only as text.
    """

    class State(models.TextChoices):
        MATCHED = "matched", _("In its case")
        UNMATCHED = "unmatched", _("No case found")
        BOUNCE = "bounce", _("Bounce")
        AUTO_REPLY = "auto_reply", _("Automatic reply")
        OVERSIZED = "oversized", _("Too large")
        MALFORMED = "malformed", _("Unreadable")
        DISCARDED = "discarded", _("Discarded")

    received_at = models.DateTimeField(_("received"), default=timezone.now)
    # The Message-ID, or the SHA-256 of the bytes for mail without one: the same message
    # delivered twice is stored once.
    dedupe_key = models.CharField(max_length=300, unique=True, editable=False)
    message_id = models.CharField(_("message id"), max_length=255, blank=True)
    sender = models.CharField(_("sender"), max_length=300, blank=True)
    recipient = models.CharField(_("recipient"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    raw = models.FileField(_("raw message"), upload_to=inbound_raw_upload_to, max_length=255, blank=True)
    text = models.TextField(_("text"), blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # What was kept out (refused attachments) or noticed while reading it.
    notes = models.TextField(_("notes"), blank=True)
    escalation = models.ForeignKey(
        Escalation,
        verbose_name=_("escalation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_mail",
    )
    # The escalation's complaint, kept beside it so that a person's erasure finds the mail.
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound mail")
        verbose_name_plural = _("inbound mail")
        ordering = ["-received_at", "-pk"]
        indexes = [
            # The admin queue: mail still waiting for someone, newest first.
            models.Index(fields=["state", "-received_at"], name="inboundmail_state_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    state__in=[
                        "matched",
                        "unmatched",
                        "bounce",
                        "auto_reply",
                        "oversized",
                        "malformed",
                        "discarded",
                    ]
                ),
                name="inboundmail_state_valid",
            ),
            # Only mail in a case points at one; a bounce or auto-reply may name the letter.
            models.CheckConstraint(
                condition=~models.Q(state="matched") | models.Q(escalation__isnull=False),
                name="inboundmail_matched_has_escalation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.sender} {self.subject}"[:200]


class LetterEmail(models.Model):
    """The letter the borrower confirmed for the app to email, and how the sending went.

    Made at confirmation with its escalation, drafted (escalations.sending): the
    escalation turns "sent", and its clock starts, only once the mail has left. The
    text is kept as confirmed, contact details as the borrower chose, so the mail that
    goes is the one that was shown, and the case keeps what exactly was sent.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("waiting to be sent")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("could not be sent")

    escalation = models.OneToOneField(
        Escalation, verbose_name=_("escalation"), on_delete=models.CASCADE, related_name="letter_email"
    )
    to_address = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=200)
    # The letter as confirmed: the body's main part, and what the PDF is made from.
    text = models.TextField(_("letter"))
    include_phone = models.BooleanField(_("mobile number included"), default=False)
    include_email = models.BooleanField(_("email address included"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("last error"), max_length=300, blank=True)
    # What went with it: the attachments' names, and until when the package link works.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    package_link_expires_at = models.DateTimeField(_("package link works until"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("confirmed"), default=timezone.now)
    # When the current attempt claimed it: a claim this old died with its worker.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("letter sent by email")
        verbose_name_plural = _("letters sent by email")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["queued", "sending", "sent", "failed"]),
                name="letteremail_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.escalation_id} → {self.to_address} ({self.state})"

    @property
    def in_progress(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.SENDING)
