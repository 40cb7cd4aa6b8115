"""URLs of renumbering under ``/renumbering/`` (namespace ``renumbering``): staff pages only."""

from django.urls import path

from geo_portal.renumbering import views

app_name = "renumbering"
urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("new/", views.plan_new, name="new"),
    path("roads/<int:road_id>/plates.geojson", views.road_plates, name="road-plates"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/map.geojson", views.plan_map, name="plan-map"),
    path("plans/<int:pk>/certificates.pdf", views.certificates_pdf, name="certificates"),
    path("plans/<int:pk>/household-certificates.pdf", views.household_certificates_pdf, name="household-certificates"),
    path("plans/<int:pk>/letters.pdf", views.letters_pdf, name="letters"),
    path("plans/<int:pk>/<str:action>", views.plan_action, name="action"),
]
