from django.urls import path

from complaints.urls import ReferenceConverter  # noqa: F401 - registers the "ref" converter

from . import reading_views, views

app_name = "evidence"

urlpatterns = [
    path("complaints/<ref:reference>/upload/", views.upload, name="upload"),
    # The package for sharing keeps the old name: every link to "the package" gets the
    # copies without location data; the originals are behind a warning page.
    path("complaints/<ref:reference>/package.zip", views.package_download, name="package"),
    # No login: the signed, expiring token is the permission (evidence/share.py).
    path("shared/<str:token>/package.zip", views.shared_package, name="shared_package"),
    path("complaints/<ref:reference>/originals/", views.originals, name="originals"),
    path("complaints/<ref:reference>/originals.zip", views.originals_download, name="package_originals"),
    path("complaints/<ref:reference>/manifest/", views.manifest, name="manifest"),
    path("<uuid:public_id>/", views.download, name="download"),
    path("<uuid:public_id>/caption/", views.caption, name="caption"),
    path("<uuid:public_id>/remove/", views.remove, name="remove"),
    path("<uuid:public_id>/proposals/", reading_views.decide, name="proposals"),
    path("<uuid:public_id>/proposals/<int:pk>/", reading_views.edit, name="proposal_edit"),
    path("<uuid:public_id>/covers/", reading_views.covers, name="covers"),
    path("<uuid:public_id>/text/", reading_views.text, name="text"),
]
