"""Root URL configuration: admin, language switch, public pages."""

from django.contrib import admin
from django.urls import include, path

from geo_portal.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("geo_portal.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("reports/", include("geo_portal.reports.urls")),
    path("", include("geo_portal.publicmap.urls")),
]
