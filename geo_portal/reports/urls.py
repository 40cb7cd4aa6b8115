"""Report URLs: the public report form's endpoint and the staff-only photo download."""

from django.urls import path

from geo_portal.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.ReportCreateView.as_view(), name="create"),
    path("<int:pk>/photo", views.report_photo, name="photo"),
]
