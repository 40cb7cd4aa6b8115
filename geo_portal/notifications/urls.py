"""URLs of change notifications under ``/notifications/`` (namespace ``notifications``): agencies' digest files."""

from django.urls import path

from geo_portal.notifications import views

app_name = "notifications"
urlpatterns = [
    path("digests/", views.digest_list, name="digests"),
    # <str:fmt> (csv or json, checked by the view) rather than a regex: every route stays a plain path.
    path("digests/<int:pk>.<str:fmt>", views.digest_file, name="digest-file"),
]
