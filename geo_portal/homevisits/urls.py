"""URLs of the home-visit staff pages under ``/homevisits/`` (namespace ``homevisits``)."""

from django.urls import path

from geo_portal.homevisits.web import pages

app_name = "homevisits"
urlpatterns = [
    path("", pages.home, name="home"),
    path("requests/new/", pages.request_new, name="request-new"),
    path("requests/<int:pk>/", pages.request_page, name="request"),
    path("plans/", pages.plans, name="plans"),
    path("plans/<int:pk>/", pages.plan_page, name="plan"),
    path("plans/<int:pk>/sheet.pdf", pages.plan_sheet, name="plan-sheet"),
    path("devices/<int:pk>/revoke", pages.device_revoke_view, name="device-revoke"),
    path("statistics/", pages.statistics, name="statistics"),
]
