from __future__ import annotations

import re
import secrets
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Subquery
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from lib.constraints import ValidatesCheckableConstraints
from lib.phones import fold_digits, mask_phone, normalize_phone

from . import timeline_text

# Crockford's base32 without I, L, O, U: nothing to confuse when read aloud on the phone.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """An unguessable, short reference such as 'K7Q4M-2XP9B' (50 random bits)."""
    length = settings.COMPLAINT_REFERENCE_LENGTH
    raw = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(length))
    half = length // 2
    return f"{raw[:half]}-{raw[half:]}"


# lib.versions name of complaints' and incidents' data: bumped by every service that
# changes them, for caches that summarise many complaints (the queue's tab counts).
COMPLAINTS_VERSION = "complaints"
# lib.versions name of the brands (Lender rows): bumped by everything that writes them
# (services, the admin, imports, seeding), for the name -> brand answers kept in the cache.
BRANDS_VERSION = "brands"


class LicenceType(models.TextChoices):
    BANK = "bank", _("Bank")
    CONSUMER_FINANCE = "consumer_finance", _("Consumer finance company")
    MICRO_LOAN = "micro_loan", _("Small-loan company (incl. online)")
    ONLINE_MICRO_LOAN = "online_micro_loan", _("Online small-loan company")
    TRUST = "trust", _("Trust company")
    FINANCIAL_LEASING = "financial_leasing", _("Financial leasing company")
    FINANCING_GUARANTEE = "financing_guarantee", _("Financing guarantee company")
    PLATFORM = "platform", _("Loan-facilitation or technology platform")
    OTHER = "other", _("Other or unknown")


class SupervisorKind(models.TextChoices):
    """Who supervises an institution, where an admin overrides what its licence implies.

    The values are regulators.RegulatorKind's, so routing reads them as they are;
    complaints sits below regulators and cannot import the full list.
    """

    NFRA = "nfra", _("National Financial Regulatory Administration (NFRA) or its local bureau")
    LOCAL_FINANCIAL_BUREAU = "local_financial_bureau", _("Local financial administration")
    CENTRAL_BANK = "central_bank", _("People's Bank of China (central bank)")


class Verification(models.TextChoices):
    UNVERIFIED = "unverified", _("Not checked yet")
    VERIFIED = "verified", _("Checked against the official register")
    DISPUTED = "disputed", _("In doubt: sources disagree")


class Province(models.TextChoices):
    """Provincial-level divisions by their administrative code (GB/T 2260)."""

    BEIJING = "110000", _("Beijing")
    TIANJIN = "120000", _("Tianjin")
    HEBEI = "130000", _("Hebei")
    SHANXI = "140000", _("Shanxi")
    INNER_MONGOLIA = "150000", _("Inner Mongolia")
    LIAONING = "210000", _("Liaoning")
    JILIN = "220000", _("Jilin")
    HEILONGJIANG = "230000", _("Heilongjiang")
    SHANGHAI = "310000", _("Shanghai")
    JIANGSU = "320000", _("Jiangsu")
    ZHEJIANG = "330000", _("Zhejiang")
    ANHUI = "340000", _("Anhui")
    FUJIAN = "350000", _("Fujian")
    JIANGXI = "360000", _("Jiangxi")
    SHANDONG = "370000", _("Shandong")
    HENAN = "410000", _("Henan")
    HUBEI = "420000", _("Hubei")
    HUNAN = "430000", _("Hunan")
    GUANGDONG = "440000", _("Guangdong")
    GUANGXI = "450000", _("Guangxi")
    HAINAN = "460000", _("Hainan")
    CHONGQING = "500000", _("Chongqing")
    SICHUAN = "510000", _("Sichuan")
    GUIZHOU = "520000", _("Guizhou")
    YUNNAN = "530000", _("Yunnan")
    TIBET = "540000", _("Tibet")
    SHAANXI = "610000", _("Shaanxi")
    GANSU = "620000", _("Gansu")
    QINGHAI = "630000", _("Qinghai")
    NINGXIA = "640000", _("Ningxia")
    XINJIANG = "650000", _("Xinjiang")


class Institution(models.Model):
    """A company of record: the lender named in a loan contract (a bank, a consumer finance
    company, a small-loan company...) or the company that operates an app.

    Its licence type and **registered** place decide who supervises it (regulators/routing.py),
    not the borrower's province. Every fact carries a source (InstitutionSource); a funder
    a borrower types that matches nothing is created unconfirmed for an admin to resolve
    or merge (`merged_into`: complaints follow).
    """

    name = models.CharField(
        _("legal name"),
        max_length=200,
        unique=True,
        help_text=_("As registered, e.g. 马上消费金融股份有限公司."),
    )
    short_names = models.TextField(_("short names"), blank=True, help_text=_("One per line."))
    licence_type = models.CharField(
        _("licence type"), max_length=24, choices=LicenceType.choices, default=LicenceType.OTHER
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[
            RegexValidator(
                r"^[0-9A-HJ-NPQRTUWXY]{18}$", _("Enter the 18-character unified social credit code.")
            )
        ],
    )
    province = models.CharField(_("registered province"), max_length=6, choices=Province.choices, blank=True)
    city_code = models.CharField(
        _("registered city code"),
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^\d{6}$", _("Enter the six-digit administrative code."))],
    )
    supervisor_override = models.CharField(
        _("supervisor (override)"),
        max_length=24,
        choices=SupervisorKind.choices,
        blank=True,
        help_text=_("Leave empty: the licence type and the registered province decide."),
    )
    supervisor_override_province = models.CharField(
        _("supervisor's province (override)"), max_length=6, choices=Province.choices, blank=True
    )
    supervisor_override_reason = models.TextField(_("why the override"), blank=True)
    hotline = models.CharField(_("customer-service hotline"), max_length=40, blank=True)
    app_complaint_path = models.CharField(
        _("in-app complaint path"),
        max_length=200,
        blank=True,
        help_text=_("For example: 我的 → 客服 → 投诉."),
    )
    complaint_email = models.EmailField(_("complaint email"), blank=True)
    # Set when a letter sent there bounced (issue 16); cleared when an admin edits the address.
    complaint_email_failing_since = models.DateTimeField(
        _("complaint email bouncing since"), null=True, blank=True
    )
    complaint_email_failure = models.CharField(_("why it bounced"), max_length=300, blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    confirmed = models.BooleanField(_("confirmed by an admin"), default=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
    )
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("named by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Seeding matches on this key and never changes a row an admin edited (admin_edited).
    seed_key = models.SlugField(_("seed key"), max_length=60, blank=True)
    admin_edited = models.DateTimeField(_("last edited by an admin"), null=True, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="institution_credit_code_unique",
                violation_error_message=_("Another institution already has this credit code."),
            ),
            models.UniqueConstraint(
                fields=["seed_key"], condition=~models.Q(seed_key=""), name="institution_seed_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.supervisor_override and not self.supervisor_override_reason.strip():
            raise ValidationError(
                {
                    "supervisor_override_reason": _(
                        "Say why the supervisor differs from what the licence implies."
                    )
                }
            )
        # GB/T 2260: a city's code starts with its province's two digits.
        if self.city_code and self.province and self.city_code[:2] != self.province[:2]:
            raise ValidationError({"city_code": _("This city code is not in the chosen province.")})

    @property
    def short_names_list(self) -> list[str]:
        return [n.strip() for n in self.short_names.splitlines() if n.strip()]

    @property
    def hotline_tel(self) -> str:
        return re.sub(r"[^\d+]", "", self.hotline)

    @property
    def has_channels(self) -> bool:
        return bool(
            self.hotline
            or self.app_complaint_path
            or self.complaint_email
            or self.postal_address
            or self.website
        )


class InstitutionSource(models.Model):
    """Where one fact about an institution comes from, and whether someone checked it."""

    class Fact(models.TextChoices):
        NAME = "name", _("legal name")
        LICENCE = "licence_type", _("licence type")
        CREDIT_CODE = "credit_code", _("unified social credit code")
        REGISTERED = "registered", _("registered place")
        SUPERVISOR = "supervisor", _("supervisor")
        HOTLINE = "hotline", _("customer-service hotline")
        APP_PATH = "app_complaint_path", _("in-app complaint path")
        EMAIL = "complaint_email", _("complaint email")
        ADDRESS = "postal_address", _("postal address")
        WEBSITE = "website", _("website")

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="sources"
    )
    fact = models.CharField(_("fact"), max_length=24, choices=Fact.choices)
    source = models.TextField(
        _("source"), help_text=_("A public page, a filing, or the loan contract of a case (its reference).")
    )
    state = models.CharField(
        _("verification"), max_length=12, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("source of a fact")
        verbose_name_plural = _("sources of facts")
        ordering = ["institution", "fact", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "fact"], name="institution_source_one_per_fact"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.get_fact_display()}"


class Lender(models.Model):
    """A brand, the app or name borrowers know (安逸花, 360借条...), which is often not the
    lender of record: its funders (BrandFunder) are the institutions that lend through it,
    and its operator the company that runs the app.

    The model keeps its historical name: complaints, escalations and letters point at it.
    Brands that borrowers name themselves start unconfirmed; an admin confirms them or
    merges them into an existing one (`merged_into`).
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    other_names = models.TextField(
        _("other names"),
        blank=True,
        help_text=_("App and brand names, one per line."),
    )
    licence_type = models.CharField(
        _("licence type"),
        max_length=20,
        choices=LicenceType.choices,
        default=LicenceType.OTHER,
    )
    pinyin = models.CharField(
        _("pinyin"), max_length=200, blank=True, help_text=_("Without tones or spaces, e.g. anyihua.")
    )
    initials = models.CharField(_("pinyin initials"), max_length=40, blank=True, help_text=_("e.g. ayh."))
    operator = models.ForeignKey(
        Institution,
        verbose_name=_("operator company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="operated_brands",
    )
    operator_source = models.TextField(_("source of the operator"), blank=True)
    funders = models.ManyToManyField(
        Institution,
        through="BrandFunder",
        related_name="funded_brands",
        verbose_name=_("funders"),
        blank=True,
    )
    service_phone = models.CharField(_("customer-service phone"), max_length=40, blank=True)
    service_email = models.EmailField(_("customer-service email"), blank=True)
    service_url = models.URLField(_("customer-service website"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    confirmed = models.BooleanField(_("confirmed by an admin"), default=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
    )
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("named by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    admin_edited = models.DateTimeField(_("last edited by an admin"), null=True, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("brand (app or lender)")
        verbose_name_plural = _("brands (apps or lenders)")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def other_names_list(self) -> list[str]:
        return [n.strip() for n in self.other_names.splitlines() if n.strip()]

    @property
    def is_platform(self) -> bool:
        return self.licence_type == LicenceType.PLATFORM


class BrandFunder(models.Model):
    """An institution that lends through a brand, as some source says, for some period:
    pairings change, so each carries its source and its dates."""

    brand = models.ForeignKey(
        Lender, verbose_name=_("brand"), on_delete=models.CASCADE, related_name="funder_links"
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="brand_links"
    )
    source = models.TextField(
        _("source"), help_text=_("Where the pairing is published, or a case's loan contract.")
    )
    state = models.CharField(
        _("verification"), max_length=12, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(
        _("until"),
        null=True,
        blank=True,
        help_text=_("Set it when the pairing ends; do not delete the link."),
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("funder of a brand")
        verbose_name_plural = _("funders of brands")
        ordering = ["brand", "until", "institution__name"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "institution"], name="brand_funder_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.brand} → {self.institution}"

    def is_current(self, today: date | None = None) -> bool:
        """Whether the pairing holds on `today` (China's date by default): one whose `until`
        lies ahead still holds; one that starts later does not yet."""
        today = today or timezone.localdate()
        return (self.since is None or self.since <= today) and (self.until is None or self.until >= today)

    @staticmethod
    def current_q(today: date) -> models.Q:
        """The same rule as a query, on the links themselves."""
        return (models.Q(since__isnull=True) | models.Q(since__lte=today)) & (
            models.Q(until__isnull=True) | models.Q(until__gte=today)
        )


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    WAITING_LENDER = "waiting_lender", _("Waiting for the lender")
    WAITING_REGULATOR = "waiting_regulator", _("Waiting for a regulator")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = frozenset(
    {
        Status.SUBMITTED,
        Status.UNDER_REVIEW,
        Status.WAITING_LENDER,
        Status.WAITING_REGULATOR,
    }
)


class FilerRelation(models.TextChoices):
    SELF = "self", _("I am the borrower")
    FAMILY = "family", _("A relative of the borrower")
    FRIEND = "friend", _("A friend of the borrower")
    COLLEAGUE = "colleague", _("A colleague or employer of the borrower")
    OTHER = "other", _("Another person the collectors contacted")


class Outcome(models.TextChoices):
    STOP_THIRD_PARTIES = "stop_third_parties", _("Stop contacting my family, friends and colleagues")
    STOP_HARASSMENT = "stop_harassment", _("Stop threats, insults and harassment")
    APOLOGY = "apology", _("A written apology")
    DELETE_DATA = "delete_data", _("Delete my contact list and personal data")
    CORRECT_RECORDS = "correct_records", _("Correct my credit or debt records")
    REMOVE_POSTS = "remove_posts", _("Remove what was posted about me")
    FAIR_REPAYMENT = "fair_repayment", _("A fair repayment plan without unlawful fees")
    INVESTIGATE = "investigate", _("Investigate and punish the collector")


class Complaint(ValidatesCheckableConstraints):
    """One person's complaint against one lender about how a debt was collected."""

    reference = models.CharField(
        _("reference"), max_length=16, unique=True, default=new_reference, editable=False
    )
    filer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.CASCADE,
        related_name="complaints",
        # complaint_filer_recent starts with it; a second index would only slow each write.
        db_index=False,
    )
    filer_relation = models.CharField(
        _("who is filing"),
        max_length=16,
        choices=FilerRelation.choices,
        default=FilerRelation.SELF,
    )
    lender = models.ForeignKey(
        Lender,
        verbose_name=_("lender (app or brand)"),
        on_delete=models.PROTECT,
        related_name="complaints",
        db_index=False,  # complaint_lender_recent starts with it
    )
    # The brand is often not the legal lender; the funding institution in the loan
    # contract decides which regulator supervises the loan.
    funding_institution = models.ForeignKey(
        Institution,
        verbose_name=_("funding institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="funded_complaints",
    )
    summary = models.TextField(_("what happened, in your words"), blank=True, max_length=5000)
    desired_outcomes = models.JSONField(_("what you want"), default=list, blank=True)
    province = models.CharField(_("province"), max_length=6, choices=Province.choices, blank=True)
    # Loan facts: all optional. The borrower decides what to share.
    loan_amount = models.DecimalField(
        _("amount borrowed (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    loan_date = models.DateField(_("date of the loan"), null=True, blank=True)
    is_overdue = models.BooleanField(_("repayment is overdue"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created = models.DateTimeField(_("created"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned advocate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_complaints",
        db_index=False,  # complaint_assignee_recent starts with it
    )
    # The earliest answer still awaited (from an escalation), kept here so the queue can
    # sort and filter by it without a join; escalation services maintain it.
    next_due_at = models.DateTimeField(_("next answer due"), null=True, blank=True)
    # Set while an advocate's request for more information waits for the borrower.
    waiting_for_borrower_since = models.DateTimeField(
        _("waiting for the borrower since"), null=True, blank=True
    )
    # Moved by database triggers whenever a row the complaint page shows changes
    # (complaints/revisions.py): the page is cached under it.
    revision = models.PositiveBigIntegerField(_("revision"), default=0, editable=False)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-status_changed_at"]
        indexes = [
            # "My complaints": a filer's complaints, latest change first.
            models.Index(fields=["filer", "-status_changed_at"], name="complaint_filer_recent"),
            # Advocates' queue by status, latest change first.
            models.Index(fields=["status", "-status_changed_at"], name="complaint_status_recent"),
            # Queue: "assigned to me" and "unassigned", latest change first.
            models.Index(fields=["assignee", "-status_changed_at"], name="complaint_assignee_recent"),
            # Queue as it opens: every status, latest change first (found by `make bench`: without
            # it the first queue page sorted all complaints, 440 ms at 100,000).
            models.Index(fields=["-status_changed_at", "-id"], name="complaint_recent"),
            # Queue: one status, next deadline first (undated last, as PostgreSQL orders NULLs).
            models.Index(
                fields=["status", "next_due_at", "-status_changed_at", "-id"], name="complaint_status_due"
            ),
            # Queue search by the first half of a reference (LIKE 'K7Q4M%') is served by the
            # pattern index Django makes beside a unique text column on PostgreSQL.
            # Queue: overdue answers and sorting by the next deadline.
            models.Index(
                fields=["next_due_at"],
                name="complaint_next_due",
                condition=models.Q(next_due_at__isnull=False),
            ),
            # Queue filters by lender and by province.
            models.Index(fields=["lender", "-status_changed_at"], name="complaint_lender_recent"),
            models.Index(fields=["province", "-status_changed_at"], name="complaint_province_recent"),
            # The reminder sweep: complaints submitted, and drafts gone quiet, in a window of
            # minutes since the sweep before (without them, each sweep read every complaint
            # of the status: 0.15 s apiece at 100,000).
            models.Index(
                fields=["submitted_at"],
                name="complaint_submitted",
                condition=models.Q(submitted_at__isnull=False),
            ),
            models.Index(
                fields=["updated"], name="complaint_draft_updated", condition=models.Q(status="draft")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in Status]),
                name="complaint_status_valid",
            ),
            # A complaint past the draft stage knows when it was submitted (a draft may be
            # discarded, i.e. closed, without ever being submitted).
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "closed"]) | models.Q(submitted_at__isnull=False),
                name="complaint_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("complaints:detail", args=[self.reference])

    @property
    def is_draft(self) -> bool:
        return self.status == Status.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def get_desired_outcomes_display(self) -> list[str]:
        labels = dict(Outcome.choices)
        return [str(labels[code]) for code in self.desired_outcomes if code in labels]


class Channel(models.TextChoices):
    CALL = "call", _("Phone call")
    SMS = "sms", _("SMS")
    IM = "im", _("WeChat / QQ / group chat")
    APP = "app", _("App notification")
    VISIT = "visit", _("Visit in person")
    LETTER = "letter", _("Letter or parcel")
    SOCIAL = "social", _("Social media post")
    OTHER = "other", _("Other")


class HarassmentKind(models.TextChoices):
    """The kinds a borrower can tell apart; `../shared/domain/` maps each to the rules."""

    THIRD_PARTIES = "third_parties", _("Contacting family, friends or colleagues (爆通讯录)")
    THREATS = "threats", _("Threats")
    INSULTS = "insults", _("Insults or obscenity")
    PUBLIC_SHAMING = "public_shaming", _("Public shaming or posting personal information")
    NIGHT_CALLS = "night_calls", _("Contact at night (22:00–08:00)")
    EXCESSIVE_FREQUENCY = "excessive_frequency", _("Too many calls or messages")
    IMPERSONATION = "impersonation", _("Posing as police or court, or fake legal documents")
    VISIT = "visit", _("Visiting home or workplace")
    UNLAWFUL_FEES = "unlawful_fees", _("Demanding unlawful fees")
    OTHER = "other", _("Other")


class ContactedParty(models.TextChoices):
    SELF = "self", _("Me (the borrower)")
    FAMILY = "family", _("Family")
    FRIENDS = "friends", _("Friends")
    COLLEAGUES = "colleagues", _("Colleagues or employer")
    CONTACT_LIST = "contact_list", _("People in my contact list")
    EMERGENCY_CONTACT = "emergency_contact", _("My emergency contact")
    PUBLIC = "public", _("The public")
    OTHER = "other", _("Others")


def normalize_collector_id(raw: str) -> str:
    """One key per collector however the number was typed; accounts compare case-blind,
    with full-width letters and digits folded and runs of spaces made one."""
    phone = normalize_phone(raw)
    return phone or " ".join(fold_digits(raw).casefold().split())[:80]


class Incident(models.Model):
    """One harassment event. Borrowers keep adding these after filing: harassment goes on."""

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="incidents",
        db_index=False,  # incident_complaint_time starts with it
    )
    occurred_at = models.DateTimeField(_("when it happened"))
    channel = models.CharField(_("how"), max_length=16, choices=Channel.choices)
    kind = models.CharField(_("what they did"), max_length=24, choices=HarassmentKind.choices)
    collector_id = models.CharField(_("collector's number or account"), max_length=80, blank=True)
    # Kept beside the raw value so the same collector links across complaints.
    collector_id_normalized = models.CharField(max_length=80, blank=True, editable=False)
    contacted = models.CharField(
        _("who was contacted"),
        max_length=20,
        choices=ContactedParty.choices,
        default=ContactedParty.SELF,
    )
    contacted_count = models.PositiveIntegerField(_("how many people were contacted"), null=True, blank=True)
    # A third party never consented to being here: store it only when the borrower
    # chooses to, and show it masked.
    third_party_number = models.CharField(
        _("number of a contacted person (optional)"), max_length=20, blank=True
    )
    description = models.TextField(_("what was said or done"), blank=True, max_length=5000)
    # A series (a contact-list blast, a call log's day) recorded as one incident: how many
    # calls or messages it stands for. The conduct-rule checks count each of them.
    series_count = models.PositiveIntegerField(_("how many calls or messages"), null=True, blank=True)
    # The series' last contact, the same Beijing day as its first (`occurred_at`): the
    # daily limits count a series on one day, so a longer one is recorded a day at a time.
    ended_at = models.DateTimeField(_("last call or message"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["occurred_at", "pk"]
        indexes = [
            # A complaint's incidents in time order.
            models.Index(fields=["complaint", "occurred_at"], name="incident_complaint_time"),
            # The reminder sweep's limitation window: incidents of a few weeks, three years ago.
            models.Index(fields=["occurred_at"], name="incident_time"),
            # Collector linking and search: the complaints that name a number, read from the
            # index alone (with only the number, each match cost a visit to the table).
            models.Index(fields=["collector_id_normalized", "complaint"], name="incident_collector"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {timezone.localtime(self.occurred_at):%Y-%m-%d %H:%M}"

    @property
    def third_party_number_masked(self) -> str:
        return mask_phone(self.third_party_number) if self.third_party_number else ""

    @property
    def is_series(self) -> bool:
        return self.series_count is not None or self.ended_at is not None


# How many numbers one series can name: a contact-list blast comes from dozens, and every
# number is a row and a line of each letter.
SERIES_NUMBERS_LIMIT = 200


class IncidentNumber(models.Model):
    """One of the numbers a series incident came from, linked to collectors the way an
    incident's own collector number is (by its normalised key)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="numbers")
    # Repeated from the incident so that "which complaints name this number" is read from
    # this table's index alone, as it is from Incident's.
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(_("number"), max_length=80)

    class Meta:
        verbose_name = _("number in a series")
        verbose_name_plural = _("numbers in a series")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["incident", "number"], name="incident_number_once")]
        indexes = [
            # Collector linking and search: the complaints a number appears in.
            models.Index(fields=["number", "complaint"], name="incident_number_collector"),
        ]

    def __str__(self) -> str:
        return self.number


class TimelineEvent(models.Model):
    """Append-only history of a complaint: status changes and what was added to it.

    The complaint's timeline is read from here, never reconstructed.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Draft started")
        STATUS = "status", _("Status changed")
        INCIDENT = "incident", _("Incident recorded")
        EDITED = "edited", _("Details edited")
        EVIDENCE = "evidence", _("Evidence added")
        EVIDENCE_WITHDRAWN = "evidence_withdrawn", _("Evidence withdrawn")
        EVIDENCE_REVIEWED = "evidence_reviewed", _("Evidence reviewed")
        NOTE = "note", _("Internal note")
        ASSIGNMENT = "assignment", _("Assignment changed")
        INFO_REQUESTED = "info_requested", _("More information requested")
        INFO_PROVIDED = "info_provided", _("Information provided")
        ESCALATION = "escalation", _("Sent to a lender or regulator")
        ANSWER = "answer", _("Answer received")

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("complaint"),
        db_index=False,  # event_complaint_time starts with it
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    # What a person typed (a reason, a request, a file's name): shown as typed.
    note = models.TextField(_("why"), blank=True, max_length=2000)
    # What the system said, as a message code and its data (complaints/timeline_text.py),
    # so each reader sees it in their own language. Empty on rows written before codes
    # existed: those show their stored `note`. Defaults in the database too: rows written
    # by raw inserts (bench/seed.py) or by the previous release during a deploy get them.
    code = models.CharField(_("message"), max_length=40, blank=True, default="", db_default="")
    params = models.JSONField(_("message data"), default=dict, db_default={}, blank=True)
    # Entries only caseworkers see (later: advocates' internal notes).
    internal = models.BooleanField(_("internal"), default=False)
    created = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["created", "pk"]
        indexes = [
            # A complaint's timeline in time order.
            models.Index(fields=["complaint", "created"], name="event_complaint_time"),
            # The reminder sweep: the complaints whose timeline moved since the sweep before
            # (a status, an assignment, an answer...), whose reminders may have changed.
            models.Index(fields=["created"], name="event_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.created):%Y-%m-%d %H:%M}"

    @cached_property
    def display_note(self) -> str:
        """The system's sentence in the active language, then what a person typed."""
        if self.kind == self.Kind.INCIDENT and self.note in HarassmentKind.values:
            return str(HarassmentKind(self.note).label)  # rows from before message codes
        said = timeline_text.render(self.code, self.params) if self.code else ""
        return f"{said}\n{self.note}".strip() if said else self.note


class RegistryRevision(models.Model):
    """One row, moved by database triggers whenever an institution or a brand's funder
    changes (complaints/revisions.py). The complaint page and the letters name the
    institutions behind a brand; they are cached under this and the complaint's own
    revision, so that an edit to a registry entry updates one row, not every complaint of
    that institution (2,000 at 100,000 complaints: 1.5 s; twenty thousand at a million)."""

    revision = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("registry revision")

    def __str__(self) -> str:
        return str(self.revision)


def registry_revision() -> Subquery:
    """The registry's revision, as a column of the complaint's own query."""
    return Subquery(RegistryRevision.objects.filter(pk=1).values("revision")[:1])


def registry_revision_of(complaint: Complaint) -> int:
    revision = getattr(complaint, "registry_revision", None)
    if revision is None:
        # Loaded without it, or the row is gone (a flush empties every table): made anew,
        # so that the triggers have a row to move again.
        revision = RegistryRevision.objects.get_or_create(pk=1)[0].revision
        # Keys made from the row's loaded values then match those of the next request,
        # which reads it with the row.
        complaint.registry_revision = revision
    return revision


class RegistryChange(models.Model):
    """One field of a brand or an institution changed by an admin's import: who, when,
    from which file, before and after. Append-only, like the regulator directory's record."""

    class Source(models.TextChoices):
        IMPORT = "import", _("CSV import")
        ADMIN = "admin", _("Admin form")

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="changes",
    )
    brand = models.ForeignKey(
        Lender,
        verbose_name=_("brand"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="changes",
    )
    field = models.CharField(_("field"), max_length=60, blank=True)
    old = models.TextField(_("before"), blank=True)
    new = models.TextField(_("after"), blank=True)
    source = models.CharField(_("how"), max_length=12, choices=Source.choices)
    # The uploaded file's name, so a change can be traced to the spreadsheet it came from.
    source_detail = models.CharField(_("from"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept when the account is erased: the record still says which role acted.
    actor_label = models.CharField(_("who (at the time)"), max_length=160, blank=True)
    created = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("registry change")
        verbose_name_plural = _("registry changes")
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.institution or self.brand} · {self.field or '+'}"
