from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, HarassmentKind
from evidence.models import Evidence


class InfoRequest(models.Model):
    """An advocate asks the borrower for something the case lacks; the borrower answers."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="info_requests"
    )
    message = models.TextField(_("what is needed"), max_length=2000)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("requested"), default=timezone.now)
    response = models.TextField(_("answer"), blank=True, max_length=5000)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("request for information")
        verbose_name_plural = _("requests for information")
        ordering = ["-created", "-pk"]
        indexes = [
            # Open requests of a complaint, and the reminder sweep over unanswered ones.
            models.Index(fields=["complaint", "answered_at"], name="inforequest_open"),
        ]

    def __str__(self) -> str:
        return self.message[:60]

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class EvidenceReview(models.Model):
    """An advocate's judgement of one evidence file. The latest review counts."""

    evidence = models.ForeignKey(
        Evidence, verbose_name=_("evidence file"), on_delete=models.CASCADE, related_name="reviews"
    )
    usable = models.BooleanField(_("usable"))
    reason = models.CharField(_("why"), max_length=300, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("reviewed"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence review")
        verbose_name_plural = _("evidence reviews")
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.evidence_id}: {'usable' if self.usable else 'not usable'}"


class CollectorRecount(models.Model):
    """A number whose profile waits to be recounted (cases.collectors.refresh_waiting).

    Written in the transaction that changed the incidents naming it, so a recount asked
    for is kept with the change: a broker that is down or a process that dies loses
    nothing. One task recounts every number waiting, so a burst of filings asks the
    broker once per few seconds and web process, not once per filing (`make bench`: a
    publish cost each filing 0.8 ms)."""

    key = models.CharField(_("number or account"), max_length=80, primary_key=True)

    class Meta:
        verbose_name = _("collector recount")
        verbose_name_plural = _("collector recounts")

    def __str__(self) -> str:
        return self.key


class CollectorProfile(models.Model):
    """One collector's number or account across every submitted complaint, counted ahead.

    Counting it when a page opens meant reading every incident that names the number:
    0.4 s for the collector page and 0.8 s for a case page at 100,000 complaints
    (`make bench`). cases.collectors refreshes a profile after each change to the
    complaints that name it, and rebuilds all of them nightly.
    """

    key = models.CharField(_("number or account"), max_length=80, unique=True)
    complaint_count = models.PositiveIntegerField(_("complaints"), default=0)
    # [[lender name, complaints against that lender], ...], most complaints first.
    lenders = models.JSONField(_("lenders"), default=list)
    kinds = models.JSONField(_("what they did"), default=list)
    first_seen = models.DateTimeField(_("first seen"), null=True)
    last_seen = models.DateTimeField(_("last seen"), null=True)
    # When the counting started: a change committed before it is included.
    refreshed_at = models.DateTimeField(_("counted"))

    class Meta:
        verbose_name = _("collector profile")
        verbose_name_plural = _("collector profiles")

    def __str__(self) -> str:
        return self.key

    @property
    def lender_names(self) -> list[str]:
        return sorted(name for name, _n in self.lenders)

    @property
    def kind_labels(self) -> list[str]:
        labels = dict(HarassmentKind.choices)
        return [str(labels.get(k, k)) for k in self.kinds]


class FollowUp(models.Model):
    """After a complaint is finished (resolved or closed), the borrower is asked whether the
    harassment stopped: when it finishes, 14 and 60 days later (cases.followups).

    Rounds belong to one finishing (`closed_at`, the complaint's status_changed_at when it
    finished; resolved and closed have no move between them, so it holds while the
    complaint stays finished). A complaint reopened and finished again is asked again: the
    question is about the harassment since that finishing.
    """

    class Round(models.TextChoices):
        AT_CLOSE = "at_close", _("when the complaint was closed")
        DAY_14 = "day_14", _("14 days after closing")
        DAY_60 = "day_60", _("60 days after closing")

    class Answer(models.TextChoices):
        STOPPED = "stopped", _("It stopped")
        LESS = "less", _("It is less")
        SAME = "same", _("No change")
        WORSE = "worse", _("It is worse")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    closed_at = models.DateTimeField(_("finished at"))
    round = models.CharField(_("round"), max_length=8, choices=Round.choices)
    asked_at = models.DateTimeField(_("asked"))
    answer = models.CharField(_("answer"), max_length=8, choices=Answer.choices, blank=True)
    text = models.TextField(_("in the borrower's words"), blank=True, max_length=1000)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # Set when this answer reopened the complaint for the advocates.
    reopened_at = models.DateTimeField(_("reopened the case"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up question")
        verbose_name_plural = _("follow-up questions")
        ordering = ["complaint", "asked_at", "pk"]
        constraints = [
            # What makes the sweep safe to run twice: each round is asked once per finishing.
            models.UniqueConstraint(
                fields=["complaint", "closed_at", "round"], name="followup_once_per_round"
            ),
            models.CheckConstraint(
                condition=models.Q(answer="", answered_at__isnull=True)
                | (~models.Q(answer="") & models.Q(answered_at__isnull=False)),
                name="followup_answer_has_time",
            ),
        ]
        # The unique constraint's index serves "the questions of one complaint"; the sweep's
        # lookups go through it too. The sweep also reads the questions asked since the
        # sweep before (to tell them, and to cancel the notice of the round before).
        indexes = [models.Index(fields=["asked_at"], name="followup_asked")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.round}: {self.answer or '-'}"

    @property
    def harassment_goes_on(self) -> bool:
        return self.answer in (self.Answer.SAME, self.Answer.WORSE)
