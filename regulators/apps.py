from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegulatorsConfig(AppConfig):
    """The directory of regulators and the routing table: whom to complain to."""

    name = "regulators"
    verbose_name = _("Regulators")

    def ready(self) -> None:
        from accounts.privacy import register

        from .personal_data import PART

        register(PART)
