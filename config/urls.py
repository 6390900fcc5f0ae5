from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from complaints import views as complaint_views
from escalations import urls as escalation_urls
from lib import health
from regulators import urls as regulator_urls

admin.site.site_header = "催收投诉 · Collection complaints"
admin.site.site_title = "催收投诉"

urlpatterns = [
    path("", complaint_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("privacy/", account_views.privacy, name="privacy"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("complaints/", include("complaints.urls")),
    # One namespace for the directory and for escalations and letters, whose URL names
    # (regulators:letter...) predate their own app.
    path("regulators/", include((regulator_urls.urlpatterns + escalation_urls.urlpatterns, "regulators"))),
    path("evidence/", include("evidence.urls")),
    path("cases/", include("cases.urls")),
    path("notifications/", include("notifications.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

if settings.BENCHMARK:
    # Pages that touch no database, for `make bench` to measure the ceiling (bench/views.py).
    urlpatterns.append(path("__bench__/", include("bench.urls")))
