from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from accounts.privacy import register

        from .personal_data import PART, REGISTRY_PART

        register(PART)
        register(REGISTRY_PART)
