from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """The advocates' workspace: queue, review, requests to borrowers, collector patterns."""

    name = "cases"
    verbose_name = _("Case work")
