"""URLs of the field app under ``/census/field/``: the app shell, its service worker and manifest, the JSON API."""

from django.urls import path

from geo_portal.census.field import api, views

app_name = "census_field"
urlpatterns = [
    path("", views.app, name="app"),
    path("sw.js", views.service_worker, name="sw"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("api/tasks", api.tasks, name="tasks"),
    path("api/tasks/<int:task_id>/claim", api.claim, name="claim"),
    path("api/tasks/<int:task_id>/extend", api.extend, name="extend"),
    path("api/tasks/<int:task_id>/release", api.release, name="release"),
    path("api/tasks/<int:task_id>/package", api.package, name="package"),
    path("api/sync", api.sync_view, name="sync"),
    path("api/findings/<str:finding_uuid>/photo", api.photo, name="photo"),
]
