"""URLs of the office's census pages under ``/census/`` (namespace ``census``): campaigns, task review,
proposals, paper sheets and key-in, exports and photos."""

from django.urls import path

from geo_portal.census.office.views import campaigns, files, paper, proposals, review

app_name = "census"
urlpatterns = [
    path("", campaigns.campaign_list, name="campaigns"),
    path("campaigns/new/", campaigns.campaign_new, name="campaign-new"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/tasks.geojson", campaigns.campaign_tasks_geojson, name="campaign-tasks-geojson"),
    path("campaigns/<int:pk>/split", campaigns.campaign_split_view, name="campaign-split"),
    path("campaigns/<int:pk>/status", campaigns.campaign_status_view, name="campaign-status"),
    path("campaigns/<int:pk>/findings.csv", files.findings_csv_view, name="campaign-findings-csv"),
    path("campaigns/<int:pk>/findings.gpkg", files.findings_gpkg_view, name="campaign-findings-gpkg"),
    path("devices/<int:pk>/revoke", campaigns.device_revoke_view, name="device-revoke"),
    path("tasks/submitted/", review.submitted_list, name="tasks-submitted"),
    path("conflicts/", review.conflict_list, name="conflicts"),
    path("tasks/<int:pk>/", review.task_detail, name="task"),
    path("tasks/<int:pk>/map.json", review.task_map, name="task-map"),
    path("tasks/<int:pk>/accept-all", review.task_accept_all, name="task-accept-all"),
    path("tasks/<int:pk>/validate", review.task_validate, name="task-validate"),
    path("tasks/<int:pk>/send-back", review.task_send_back, name="task-send-back"),
    path("tasks/<int:pk>/reassign", review.task_reassign, name="task-reassign"),
    path("tasks/<int:pk>/split", review.task_split, name="task-split"),
    path("tasks/<int:pk>/release", review.task_release, name="task-release"),
    path("tasks/<int:pk>/sheet.pdf", paper.task_sheet, name="task-sheet"),
    path("tasks/<int:pk>/key-in/", paper.task_keyin, name="task-keyin"),
    path("findings/<int:pk>/accept", review.finding_accept, name="finding-accept"),
    path("findings/<int:pk>/reject", review.finding_reject, name="finding-reject"),
    path("findings/<int:pk>/photo", files.finding_photo, name="finding-photo"),
    path("proposals/", proposals.proposal_list, name="proposals"),
    path("proposals/<int:pk>/confirm", proposals.proposal_confirm, name="proposal-confirm"),
    path("proposals/<int:pk>/reject", proposals.proposal_reject, name="proposal-reject"),
]
