from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Who saw or changed what: an append-only trail of access to cases and evidence."""

    name = "audit"
    verbose_name = _("Audit trail")
