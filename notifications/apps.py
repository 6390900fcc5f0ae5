from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Reminders: what is due, for whom, on which channel; sent once, retried if a send fails."""

    name = "notifications"
    verbose_name = _("Notifications")
