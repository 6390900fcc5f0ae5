from django.urls import path

from . import views

urlpatterns = [
    path("", views.directory, name="directory"),
    path("route/", views.route, name="route"),
]
