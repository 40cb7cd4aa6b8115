"""The site's URLs (they include the notifications' own since config/urls does)."""

from geo_portal.config.urls import urlpatterns  # noqa: F401
