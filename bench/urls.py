"""Included by config/urls.py only when settings.BENCHMARK is on."""

from django.urls import path

from . import views

app_name = "bench"

urlpatterns = [
    path("tiny/", views.tiny, name="tiny"),
    path("table/", views.table, name="table"),
    # The same view, reached through bench.wsgi's handler that has no middleware.
    path("plain/tiny/", views.tiny, name="plain_tiny"),
]
