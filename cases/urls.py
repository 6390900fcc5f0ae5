import base64
import binascii

from django.urls import path, register_converter

from complaints.urls import ReferenceConverter  # noqa: F401 - registers the "ref" converter

from . import followup_views, views


class CollectorKeyConverter:
    """A collector key is whatever a borrower typed as the number or account ("QQ 12345 /
    微信 cuishou", "?", "%", emoji...). Digits stay readable in the URL; anything else
    travels as "~" + URL-safe base64 of its UTF-8, so no character can break a link or be
    read as a path segment ("/", "..") by a browser or a proxy."""

    regex = r"[0-9]+|~[A-Za-z0-9_-]+"

    def to_python(self, value: str) -> str:
        if not value.startswith("~"):
            return value
        encoded = value[1:]
        try:
            return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError) as error:
            raise ValueError(value) from error  # the resolver answers 404

    def to_url(self, value: str) -> str:
        if value.isascii() and value.isdigit():
            return value
        return "~" + base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


register_converter(CollectorKeyConverter, "collector")

app_name = "cases"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("statistics/", views.public_stats, name="public_stats"),
    path("<ref:reference>/assign/", views.assign, name="assign"),
    path("<ref:reference>/notes/", views.add_note, name="add_note"),
    path("<ref:reference>/trail/", views.trail, name="trail"),
    path("<ref:reference>/requests/", views.request_info, name="request_info"),
    path("<ref:reference>/requests/<int:request_id>/answer/", views.answer_info, name="answer_info"),
    path("evidence/<uuid:public_id>/review/", views.review_evidence, name="review_evidence"),
    path("collectors/<collector:key>/", views.collector, name="collector"),
    path("<ref:reference>/follow-up/<int:followup_id>/", followup_views.answer, name="followup_answer"),
]
