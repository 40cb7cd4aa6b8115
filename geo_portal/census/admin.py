"""The census in the Django admin, read-only, for administrators: campaigns, tasks, stops, transitions, devices,
findings and proposals to look up and filter. Nothing is added, changed or deleted here: every census write goes
through the census services (the office pages under ``/census/``). Photos open through the staff-only view;
geometries are left out (the office pages show them on maps).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from geo_portal.census.models import Campaign, FieldDevice, Finding, Proposal, Stop, Task, TaskTransition


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewing only, for whoever holds the model's view permission (the administrator role)."""

    list_per_page = 100
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "status", "district", "starts_on", "ends_on", "scope", "created_by", "split_at"]
    list_filter = ["status", "scope", "district"]
    search_fields = ["name"]
    exclude = ["area"]
    readonly_fields = ["office_page"]

    @admin.display(description=_("office page"))
    def office_page(self, obj: Campaign) -> str:
        return format_html('<a href="{}">{}</a>', reverse("census:campaign", args=[obj.pk]), obj.name)


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ["number", "label", "campaign", "state", "assignee", "stop_count", "plate_count", "updated_at"]
    list_filter = ["state", "side", "campaign"]
    list_select_related = ["campaign", "assignee"]
    search_fields = ["label"]
    exclude = ["geom"]


@admin.register(Stop)
class StopAdmin(ReadOnlyAdmin):
    list_display = ["label", "task", "seq", "number"]
    list_select_related = ["task"]
    search_fields = ["label"]
    exclude = ["geom"]
    raw_id_fields = ["task"]


@admin.register(TaskTransition)
class TaskTransitionAdmin(ReadOnlyAdmin):
    list_display = ["task", "action", "from_state", "to_state", "actor", "at"]
    list_filter = ["action", "to_state"]
    list_select_related = ["task", "actor"]
    date_hierarchy = "at"


@admin.register(FieldDevice)
class FieldDeviceAdmin(ReadOnlyAdmin):
    list_display = ["user", "uuid", "first_seen", "last_seen", "revoked_at", "revoked_by"]
    list_filter = ["revoked_at"]
    list_select_related = ["user", "revoked_by"]
    search_fields = ["user__username"]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["uuid", "kind", "review", "conflict", "task", "surveyor", "source", "observed_at"]
    list_filter = ["kind", "review", "conflict", "source", "needs_new_plate"]
    list_select_related = ["task", "surveyor"]
    search_fields = ["uuid", "written_address", "task__label"]
    date_hierarchy = "observed_at"
    exclude = ["point", "photo"]
    readonly_fields = ["photo_link"]
    raw_id_fields = ["task", "stop", "plate"]

    @admin.display(description=_("photo"))
    def photo_link(self, obj: Finding) -> str:
        if not obj.photo:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("census:finding-photo", args=[obj.pk]), _("open the photo"))


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ["id", "status", "finding", "decided_by", "decided_at", "plate", "created_at"]
    list_filter = ["status"]
    list_select_related = ["finding", "decided_by", "plate"]
    raw_id_fields = ["finding", "plate"]
