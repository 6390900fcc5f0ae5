from django.urls import path, register_converter

from . import views


class ReferenceConverter:
    """A complaint reference such as K7Q4M-2XP9B; case-blind, as people type it."""

    regex = "[0-9A-Za-z]{5}-[0-9A-Za-z]{5}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "ref")

app_name = "complaints"

urlpatterns = [
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("funders/", views.brand_funders, name="brand_funders"),
    path("<ref:reference>/", views.detail, name="detail"),
    path("<ref:reference>/edit/", views.edit, name="edit"),
    path("<ref:reference>/lender/", views.lenders, name="lenders"),
    path("<ref:reference>/incidents/new/", views.add_incident, name="add_incident"),
    path("<ref:reference>/status/", views.transition, name="transition"),
]
