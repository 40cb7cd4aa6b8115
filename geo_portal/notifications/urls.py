"""URLs of change notifications under ``/notifications/`` (namespace ``notifications``): agencies' digest files."""

from django.urls import path, re_path

from geo_portal.notifications import views

app_name = "notifications"
urlpatterns = [
    path("digests/", views.digest_list, name="digests"),
    re_path(r"^digests/(?P<pk>[0-9]+)\.(?P<fmt>csv|json)$", views.digest_file, name="digest-file"),
]
