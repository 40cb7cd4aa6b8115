"""API URLs under /api/v1/."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from geo_portal.api import changes, views
from geo_portal.exports.views import ExportView

app_name = "api"
urlpatterns = [
    path("geocode", views.GeocodeView.as_view(), name="geocode"),
    path("geocode/batch", views.GeocodeBatchView.as_view(), name="geocode-batch"),
    path("geocode/batch/jobs", views.GeocodeBatchJobCreateView.as_view(), name="geocode-batch-jobs"),
    path("geocode/batch/jobs/<str:token>", views.GeocodeBatchJobView.as_view(), name="geocode-batch-job"),
    path("geocode/batch/jobs/<str:token>/result.csv", views.GeocodeBatchResultView.as_view(), name="geocode-batch-result"),
    path("reverse", views.ReverseView.as_view(), name="reverse"),
    path("plates/<int:plate_id>", views.PlateView.as_view(), name="plate"),
    path("autocomplete", views.AutocompleteView.as_view(), name="autocomplete"),
    path("export/<str:layer>.<str:fmt>", ExportView.as_view(), name="export"),
    path("changes", changes.FeedView.as_view(), name="changes"),
    path("changes/latest", changes.LatestView.as_view(), name="changes-latest"),
    path("changes/snapshot/<str:entity>.geojson", changes.SnapshotView.as_view(), name="changes-snapshot"),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
