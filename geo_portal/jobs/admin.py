"""Admin pages of the queue, read-only for every staff member: jobs with their events and errors, the error log.

procrastinate ships an admin for its jobs; it is re-registered here so that any active staff user may view
jobs (not only holders of procrastinate's model permissions) while its retry/cancel/abort actions stay with
superusers. Job arguments are ids by convention, never personal data, so showing them to staff is safe.
"""

from __future__ import annotations

from django.contrib import admin
from procrastinate.contrib.django.admin import ProcrastinateEventInline, ProcrastinateJobAdmin
from procrastinate.contrib.django.models import ProcrastinateJob

from geo_portal.jobs.models import JobError


def _is_staff(request) -> bool:
    return bool(request.user.is_active and request.user.is_staff)


class StaffReadOnly:
    """View for every active staff member; add, change and delete for nobody."""

    def has_module_permission(self, request) -> bool:
        return _is_staff(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _is_staff(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class EventInline(StaffReadOnly, ProcrastinateEventInline):
    extra = 0


class JobErrorInline(StaffReadOnly, admin.TabularInline):
    model = JobError
    fields = ["attempt", "at", "error_type", "message"]
    readonly_fields = fields
    extra = 0


if admin.site.is_registered(ProcrastinateJob):
    admin.site.unregister(ProcrastinateJob)


@admin.register(ProcrastinateJob)
class JobAdmin(StaffReadOnly, ProcrastinateJobAdmin):
    inlines = [JobErrorInline, EventInline]

    def get_actions(self, request):
        # Retry, cancel and abort change the queue: superusers only.
        return super().get_actions(request) if request.user.is_superuser else {}


@admin.register(JobError)
class JobErrorAdmin(StaffReadOnly, admin.ModelAdmin):
    list_display = ["at", "job", "task_name", "attempt", "error_type", "message"]
    list_filter = ["task_name", "error_type"]
    readonly_fields = ["job", "task_name", "attempt", "error_type", "message", "at"]
    search_fields = ["message", "task_name"]
