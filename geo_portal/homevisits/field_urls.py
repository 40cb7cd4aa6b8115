"""URLs of the visit sheet app and its API under ``/homevisits/field/`` (namespace ``homevisits_field``)."""

from django.urls import path

from geo_portal.homevisits.web import field

app_name = "homevisits_field"
urlpatterns = [
    path("", field.app, name="app"),
    path("sw.js", field.service_worker, name="sw"),
    path("api/rounds", field.rounds, name="rounds"),
    path("api/rounds/<int:plan_id>/package", field.package, name="package"),
    path("api/rounds/<int:plan_id>/key", field.key, name="key"),
    path("api/sync", field.sync_view, name="sync"),
]
