from django.urls import path

from . import views

app_name = "regulators"

urlpatterns = [
    path("", views.directory, name="directory"),
]
