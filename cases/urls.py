from django.urls import path

from complaints.urls import ReferenceConverter  # noqa: F401 - registers the "ref" converter

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("statistics/", views.public_stats, name="public_stats"),
    path("<ref:reference>/assign/", views.assign, name="assign"),
    path("<ref:reference>/notes/", views.add_note, name="add_note"),
    path("<ref:reference>/requests/", views.request_info, name="request_info"),
    path("<ref:reference>/requests/<int:request_id>/answer/", views.answer_info, name="answer_info"),
    path("evidence/<uuid:public_id>/review/", views.review_evidence, name="review_evidence"),
    path("collectors/<str:key>/", views.collector, name="collector"),
]
