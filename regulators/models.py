from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Channel, HarassmentKind, LicenceType, Province


class RegulatorKind(models.TextChoices):
    """What sort of body an entry is; routing picks entries by kind.

    The lender itself is deliberately not a kind: it is the first step of every route,
    but it is not a regulator and lives in complaints.Lender.
    """

    NFRA = "nfra", _("National Financial Regulatory Administration (NFRA) or its local bureau")
    CENTRAL_BANK = "central_bank", _("People's Bank of China (central bank)")
    LOCAL_FINANCIAL_BUREAU = "local_financial_bureau", _("Local financial administration")
    MARKET_REGULATION = "market_regulation", _("Market regulation or consumer association (12315)")
    CYBERSPACE = "cyberspace", _("Cyberspace administration (internet information office)")
    TELECOMS_REPORTING = "telecoms_reporting", _("Telecoms reporting centre (12321)")
    POLICE = "police", _("Police")
    INDUSTRY_ASSOCIATION = "industry_association", _("Internet finance association (NIFA)")
    LEGAL_AID = "legal_aid", _("Legal aid (12348)")
    COURT = "court", _("Court")


def _check_choice_list(value: object, choices: Iterable[str]) -> list[str]:
    """The unknown codes in a JSON list of choice codes; raises when it is not a list of strings."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Enter a list of codes."))
    return sorted(set(value) - set(choices))


def validate_licence_types(value: object) -> None:
    unknown = _check_choice_list(value, LicenceType.values)
    if unknown:
        raise ValidationError(_("Unknown licence type: %(codes)s."), params={"codes": ", ".join(unknown)})


def validate_harassment_kinds(value: object) -> None:
    unknown = _check_choice_list(value, HarassmentKind.values)
    if unknown:
        raise ValidationError(
            _("Unknown kind of harassment: %(codes)s."), params={"codes": ", ".join(unknown)}
        )


def validate_channels(value: object) -> None:
    unknown = _check_choice_list(value, Channel.values)
    if unknown:
        raise ValidationError(_("Unknown channel: %(codes)s."), params={"codes": ", ".join(unknown)})


class Regulator(models.Model):
    """One body a borrower can turn to, with its channels and how fast it must answer.

    The directory is data that admins keep: contact details and deadlines change, and
    several of them are unconfirmed (see the notes of each entry and its source).
    """

    name_zh = models.CharField(_("name in Chinese"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=RegulatorKind.choices)
    province = models.CharField(
        _("province"),
        max_length=6,
        choices=Province.choices,
        blank=True,
        help_text=_("Leave empty for a national body."),
    )
    city_code = models.CharField(
        _("city code"),
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^\d{6}$", _("Enter the six-digit administrative code."))],
        help_text=_("Optional six-digit administrative code of a city within the province."),
    )
    hotline = models.CharField(_("hotline"), max_length=40, blank=True, help_text=_("One phone number."))
    website = models.URLField(_("website"), blank=True, help_text=_("The complaint or report portal."))
    email = models.EmailField(_("email"), blank=True)
    # Set when a letter the app sent there bounced; cleared when an admin changes the
    # address (regulators.services.regulator_save). Until then the app does not email it.
    email_failing_since = models.DateTimeField(_("email bouncing since"), null=True, blank=True)
    email_failure = models.CharField(_("why it bounced"), max_length=300, blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    in_person = models.TextField(_("in person"), blank=True, help_text=_("Where and when to go."))
    licence_types = models.JSONField(
        _("licence types covered"),
        default=list,
        blank=True,
        validators=[validate_licence_types],
        help_text=_("The kinds of lender this body supervises; empty means any lender."),
    )
    harassment_kinds = models.JSONField(
        _("kinds of harassment covered"),
        default=list,
        blank=True,
        validators=[validate_harassment_kinds],
        help_text=_("Empty means every kind."),
    )
    deadline_days = models.PositiveSmallIntegerField(
        _("response deadline (days)"),
        null=True,
        blank=True,
        help_text=_("Leave empty when no rule sets one."),
    )
    deadline_working_days = models.BooleanField(
        _("deadline counts working days"),
        default=False,
    )
    deadline_rule = models.TextField(_("deadline rule"), blank=True, help_text=_("The rule and article."))
    deadline_source = models.TextField(
        _("deadline source"), blank=True, help_text=_("Where the rule was read (URL or reference).")
    )
    notes = models.TextField(_("notes (Chinese)"), blank=True)
    notes_en = models.TextField(_("notes (English)"), blank=True)
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Untick to hide an entry. Do not delete seeded entries: seeding would bring them back."),
    )
    verified_at = models.DateTimeField(
        _("last checked"),
        null=True,
        blank=True,
        help_text=_("When an admin last checked the contact details and the deadline."),
    )
    # Seeding matches on this key only, so an admin may rename or edit a seeded entry
    # and the next seed run still recognises it and leaves it alone.
    seed_key = models.SlugField(
        _("seed key"),
        max_length=60,
        blank=True,
        help_text=_("Set by the seed command; empty for entries made by an admin."),
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("regulator")
        verbose_name_plural = _("regulators")
        ordering = ["province", "kind", "name_zh"]
        indexes = [
            # Routing: the active entry of one kind for a province, else the national one.
            models.Index(fields=["kind", "province"], name="regulator_kind_province"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["seed_key"],
                condition=~models.Q(seed_key=""),
                name="regulator_seed_key_unique",
                violation_error_message=_("Another entry already has this seed key."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=RegulatorKind.values),
                name="regulator_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(province="") | models.Q(province__in=Province.values),
                name="regulator_province_valid",
            ),
            # A city only makes sense inside a province.
            models.CheckConstraint(
                condition=models.Q(city_code="") | ~models.Q(province=""),
                name="regulator_city_needs_province",
                violation_error_message=_("A city needs its province."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.name_en})" if self.name_en else self.name_zh

    def clean(self) -> None:
        # GB/T 2260: a city's code starts with its province's two digits.
        if self.city_code and self.province and self.city_code[:2] != self.province[:2]:
            raise ValidationError({"city_code": _("This city code is not in the chosen province.")})

    @property
    def is_national(self) -> bool:
        return not self.province

    @property
    def hotline_tel(self) -> str:
        """The hotline as a tel: target: digits and a leading +, nothing else."""
        number = self.hotline.strip()
        digits = re.sub(r"\D", "", number)
        return f"+{digits}" if number.startswith("+") and digits else digits

    @property
    def deadline_source_url(self) -> str:
        """The source as a link target, when it is a web address (many are book references)."""
        source = self.deadline_source.strip()
        return source if source.startswith(("https://", "http://")) else ""

    def covers_licence_type(self, licence_type: str) -> bool:
        return not self.licence_types or licence_type in self.licence_types

    def covers_harassment_kind(self, kind: str) -> bool:
        return not self.harassment_kinds or kind in self.harassment_kinds

    def get_licence_types_display(self) -> list[str]:
        labels = dict(LicenceType.choices)
        return [str(labels[v]) for v in self.licence_types if v in labels]

    def get_harassment_kinds_display(self) -> list[str]:
        labels = dict(HarassmentKind.choices)
        return [str(labels[v]) for v in self.harassment_kinds if v in labels]


class RegulatorChange(models.Model):
    """One field of a directory entry changed by hand or by an import: who, when, from
    what to what. The directory tells people in trouble whom to call; a number changed
    quietly (an import once put 12345678 in a province's police entry) must be visible
    and traceable. Rows are only ever added."""

    class Source(models.TextChoices):
        ADMIN = "admin", _("Edited in the admin")
        IMPORT = "import", _("CSV import")

    regulator = models.ForeignKey(
        Regulator, verbose_name=_("regulator"), on_delete=models.CASCADE, related_name="changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept when the account is gone (reduced to the role then), like the audit trail's.
    actor_label = models.CharField(_("who (at the time)"), max_length=160, blank=True)
    source = models.CharField(_("how"), max_length=10, choices=Source.choices)
    # Empty for a new entry.
    field = models.CharField(_("field"), max_length=40, blank=True)
    old = models.TextField(_("before"), blank=True)
    new = models.TextField(_("after"), blank=True)
    created = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("directory change")
        verbose_name_plural = _("directory changes")
        ordering = ["-created", "-pk"]
        indexes = [
            # An entry's history on its admin page, newest first.
            models.Index(fields=["regulator", "-created"], name="regulator_change_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {self.actor_label} {self.field}"
