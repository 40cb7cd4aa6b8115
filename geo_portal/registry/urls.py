"""URLs of the household register under ``/registry/`` (namespace ``registry``): registrars' searches, a plate's
households, a person's history, event entry, review and documents, the household transcript; the supervisors'
access log and per-person report of reads."""

from django.urls import path

from geo_portal.registry import agency_api
from geo_portal.registry.web import audit, entry, lookup, papers, review

app_name = "registry"
urlpatterns = [
    path("", lookup.home, name="home"),
    path("search/name/", lookup.search_name, name="search-name"),
    path("search/id/", lookup.search_id, name="search-id"),
    path("plates/<int:pk>/", lookup.plate, name="plate"),
    path("persons/<int:pk>/", lookup.person, name="person"),
    path("plates/<int:plate_pk>/move-in/", entry.new_move_in, name="new-move-in"),
    path("plates/<int:plate_pk>/address-change/", entry.new_address_change, name="new-address-change"),
    path("households/<int:household_pk>/birth/", entry.new_birth, name="new-birth"),
    path("households/<int:household_pk>/transcript/", papers.transcript, name="transcript"),
    path("households/<int:household_pk>/split/", entry.new_split, name="new-split"),
    path("households/<int:household_pk>/merge/", entry.new_merge, name="new-merge"),
    path("households/<int:household_pk>/head/", entry.new_head_change, name="new-head-change"),
    path("households/<int:household_pk>/<str:kind>/", entry.new_departure, name="new-departure"),
    path("events/<int:pk>/", review.event_detail, name="event"),
    path("events/<int:pk>/documents/", review.document_upload, name="document-upload"),
    path("events/<int:pk>/<str:step>/", review.event_step, name="event-step"),
    path("documents/<int:pk>/", review.document_download, name="document"),
    path("audit/", audit.log, name="audit-log"),
    path("audit/person/", audit.person_report, name="audit-person"),
    path("agency/events/<int:pk>/", agency_api.agency_event, name="agency-event"),
]
