"""Root URL configuration: admin, language switch, public pages."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from geo_portal.api.pages import batch_page
from geo_portal.core.throttling import client_throttled
from geo_portal.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The admin's login form is public: a strict per-client rate against password guessing.
    path("admin/login/", client_throttled("login", methods=("POST",))(admin.site.login), name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("geo_portal.api.urls")),
    path("batch/", batch_page, name="batch"),
    path("i18n/setlang/", client_throttled("pages")(set_language), name="set_language"),
    path("reports/", include("geo_portal.reports.urls")),
    path("staff/", include("geo_portal.staff.urls")),
    path("census/field/", include("geo_portal.census.field.urls")),
    path("census/", include("geo_portal.census.office.urls")),
    path("reissue/", include("geo_portal.reissue.urls")),
    path("registry/", include("geo_portal.registry.urls")),
    path("homevisits/field/", include("geo_portal.homevisits.field_urls")),
    path("homevisits/", include("geo_portal.homevisits.urls")),
    path("renumbering/", include("geo_portal.renumbering.urls")),
    path("notifications/", include("geo_portal.notifications.urls")),
    path("", include("geo_portal.publicmap.urls")),
]
