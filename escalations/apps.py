from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationsConfig(AppConfig):
    """Where a complaint was sent and what came back: escalations and their deadlines in
    China's working days, the letters with their legal citations, the conduct-rule checks
    and the legal step."""

    name = "escalations"
    verbose_name = _("Escalations")

    def ready(self) -> None:
        from accounts.privacy import register
        from complaints.page import register_list_notes, register_section
        from complaints.personal_data import register_complaint_export

        from .panels import complaint_list_notes, complaint_section
        from .personal_data import PART, export_complaint
        from .timeline_text import register_all as register_timeline_text

        register(PART)
        register_complaint_export("escalations", export_complaint)
        register_section("escalations", complaint_section)
        register_list_notes("escalations", complaint_list_notes)
        register_timeline_text()
