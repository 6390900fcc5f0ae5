from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationsConfig(AppConfig):
    """Where a complaint was sent and what came back: escalations and their deadlines in
    China's working days, the letters with their legal citations, the conduct-rule checks
    and the legal step."""

    name = "escalations"
    verbose_name = _("Escalations")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts.privacy import register
        from complaints.page import register_section
        from complaints.personal_data import register_complaint_export

        from .conduct import forget_conduct_rules
        from .models import ConductRule
        from .panels import complaint_section
        from .personal_data import PART, export_complaint

        register(PART)
        register_complaint_export("escalations", export_complaint)
        register_section("escalations", complaint_section)
        post_save.connect(forget_conduct_rules, sender=ConductRule, dispatch_uid="conduct-rules-saved")
        post_delete.connect(forget_conduct_rules, sender=ConductRule, dispatch_uid="conduct-rules-deleted")
