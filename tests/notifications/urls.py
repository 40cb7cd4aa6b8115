"""The site's URLs plus the notifications' own (until config/urls includes them)."""

from django.urls import include, path

from geo_portal.config.urls import urlpatterns as site

urlpatterns = [*site, path("notifications/", include("geo_portal.notifications.urls"))]
