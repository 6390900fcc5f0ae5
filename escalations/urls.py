"""Escalations, letters and the legal step. Their URL names stay in the "regulators"
namespace (regulators:letter, regulators:escalation_record...), where they were before
escalations became an app: config/urls.py serves both apps' patterns under it."""

from django.urls import path, register_converter

from complaints.urls import ReferenceConverter  # noqa: F401 - registers the "ref" converter

from . import views


class TargetConverter:
    """Where a letter goes: lender-12 (the brand), institution-5 (the lender of record or the
    platform operator) or regulator-34."""

    regex = r"(?:lender|institution|regulator)-\d{1,12}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TargetConverter, "target")

urlpatterns = [
    path("complaints/<ref:reference>/escalations/", views.escalation_record, name="escalation_record"),
    path(
        "complaints/<ref:reference>/escalations/<int:escalation_id>/sent/",
        views.escalation_sent,
        name="escalation_sent",
    ),
    path(
        "complaints/<ref:reference>/escalations/<int:escalation_id>/acknowledge/",
        views.escalation_acknowledge,
        name="escalation_acknowledge",
    ),
    path(
        "complaints/<ref:reference>/escalations/<int:escalation_id>/answer/",
        views.escalation_answer,
        name="escalation_answer",
    ),
    path(
        "complaints/<ref:reference>/escalations/<int:escalation_id>/close/",
        views.escalation_close,
        name="escalation_close",
    ),
    path("complaints/<ref:reference>/letters/<target:target>/", views.letter, name="letter"),
    path(
        "complaints/<ref:reference>/letters/<target:target>/letter.txt", views.letter_text, name="letter_text"
    ),
    path(
        "complaints/<ref:reference>/letters/<target:target>/letter.pdf", views.letter_pdf, name="letter_pdf"
    ),
    path("complaints/<ref:reference>/letters/<target:target>/edit/", views.letter_edit, name="letter_edit"),
    # GET shows the email as it will go; POST with "confirm" sends it (issue 16).
    path(
        "complaints/<ref:reference>/letters/<target:target>/send/",
        views.escalation_send,
        name="escalation_send",
    ),
    path(
        "complaints/<ref:reference>/letters/<target:target>/guide/", views.letter_guide, name="letter_guide"
    ),
    path(
        "complaints/<ref:reference>/escalations/<int:escalation_id>/send-again/",
        views.escalation_send_retry,
        name="escalation_send_retry",
    ),
    path("complaints/<ref:reference>/legal-step/", views.legal_step, name="legal_step"),
]
