"""Report URLs: the public report form's endpoint, the public status page of a reference, the staff-only photo."""

from django.urls import path

from geo_portal.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.ReportCreateView.as_view(), name="create"),
    path("<int:pk>/photo", views.report_photo, name="photo"),
    path("status/", views.report_status, name="status-lookup"),
    path("status/<str:reference>", views.report_status, name="status"),
]
