from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Connects the receivers that forget cached two-factor answers, in every process
        # (a worker or a shell can change devices too, not only the web server).
        from . import two_factor  # noqa: F401
        from .personal_data import PART
        from .privacy import register

        register(PART)
