"""Root URL configuration: admin, language switch, public pages."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("geo_portal.publicmap.urls")),
]
