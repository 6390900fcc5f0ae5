from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Who saw or changed what: an append-only trail of access to cases and evidence."""

    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from accounts.events import on_security_event
        from accounts.privacy import register

        from .personal_data import PART
        from .services import audit_security_event

        on_security_event(audit_security_event)
        register(PART)
