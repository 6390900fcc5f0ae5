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

        from .collectors import refresh_after_commit
        from .panel import complaint_section
        from .personal_data import PART, export_complaint

        register(PART)
        register_complaint_export("cases", export_complaint)
        # A recount of each number an incident names, after the change commits.
        on_collectors_changed(refresh_after_commit)

        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from complaints.models import Complaint, Incident

        from .selectors import forget_caseworkers, forget_queue_counts

        # A new advocate, a changed name or role: the cached hand-over list is redone.
        user_model = get_user_model()
        post_save.connect(forget_caseworkers, sender=user_model, dispatch_uid="cases-caseworkers-saved")
        post_delete.connect(forget_caseworkers, sender=user_model, dispatch_uid="cases-caseworkers-deleted")
        # Any change to a complaint or an incident may move a queue count.
        for model in (Complaint, Incident):
            post_save.connect(
                forget_queue_counts, sender=model, dispatch_uid=f"queue-counts-saved-{model.__name__}"
            )
            post_delete.connect(
                forget_queue_counts, sender=model, dispatch_uid=f"queue-counts-deleted-{model.__name__}"
            )
        register_section("case", complaint_section)
