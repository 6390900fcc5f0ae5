from django.urls import path

from complaints.urls import ReferenceConverter  # noqa: F401 - registers the "ref" converter

from . import views

app_name = "evidence"

urlpatterns = [
    path("complaints/<ref:reference>/upload/", views.upload, name="upload"),
    path("complaints/<ref:reference>/package.zip", views.package_download, name="package"),
    path("complaints/<ref:reference>/manifest/", views.manifest, name="manifest"),
    path("<uuid:public_id>/", views.download, name="download"),
    path("<uuid:public_id>/caption/", views.caption, name="caption"),
    path("<uuid:public_id>/remove/", views.remove, name="remove"),
]
