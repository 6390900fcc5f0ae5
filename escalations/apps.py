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
        from complaints.page import register_list_notes, register_section, register_versions
        from complaints.personal_data import register_complaint_export
        from regulators.selectors import DIRECTORY_VERSION

        from .conduct import RULES_VERSION
        from .panels import complaint_list_notes, complaint_section
        from .personal_data import PART, export_complaint
        from .timeline_text import register_all as register_timeline_text
        from .workdays import SCHEDULES_VERSION

        register(PART)
        register_complaint_export("escalations", export_complaint)
        register_section("escalations", complaint_section)
        # The route (the directory's entries), the days left (the holiday calendar) and the
        # conduct badges (the rules) are cached with the complaint page under these.
        register_versions("escalations", (DIRECTORY_VERSION, SCHEDULES_VERSION, RULES_VERSION))
        register_list_notes("escalations", complaint_list_notes)
        register_timeline_text()
