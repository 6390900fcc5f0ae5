from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Reminders: what is due, for whom, on which channel; sent once, retried if a send fails."""

    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from accounts.events import on_security_event
        from accounts.privacy import register
        from complaints.hooks import on_case_activity, on_submitted

        from .personal_data import PART
        from .services import tell_harassment_continues, tell_security_event
        from .tasks import nudge_sweep, tell_case_activity

        on_security_event(tell_security_event)
        register(PART)
        # The acknowledgement of a submission goes out at once, not at the next scheduled sweep.
        on_submitted(nudge_sweep)
        # "Did the harassment stop?" answered "the same" or "worse": the advocates hear at once.
        on_case_activity(tell_harassment_continues)
        # What happens on a case is told as it happens (issue 16).
        on_case_activity(tell_case_activity)
