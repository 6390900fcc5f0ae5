from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """The advocates' workspace: queue, review, requests to borrowers, collector patterns."""

    name = "cases"
    verbose_name = _("Case work")

    def ready(self) -> None:
        from accounts.privacy import register
        from complaints.hooks import on_collectors_changed
        from complaints.page import register_section
        from complaints.personal_data import register_complaint_export

        from .collectors import recount_soon
        from .panel import complaint_section, live_section
        from .personal_data import PART, export_complaint
        from .timeline_text import register_all as register_timeline_text

        register(PART)
        register_complaint_export("cases", export_complaint)
        # A recount of each number an incident names, soon after the change commits.
        on_collectors_changed(recount_soon)

        register_section("case", complaint_section)
        register_section("case-panel", live_section, live=True)
        register_timeline_text()
