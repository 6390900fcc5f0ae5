from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        from accounts.privacy import register
        from complaints.page import register_section
        from complaints.personal_data import register_complaint_export

        from .panel import evidence_section
        from .personal_data import PART, export_complaint

        register(PART)
        register_complaint_export("evidence", export_complaint)
        register_section("evidence", evidence_section)
