"""Citizen-report admin for staff: the reported point on a Leaflet map, the photo through the staff-only view,
status and a staff note to edit. What the citizen sent is read-only; reports are only created by citizens.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from geo_portal.reports.models import CitizenReport
from geo_portal.reports.services import delete_reports


@admin.register(CitizenReport)
class CitizenReportAdmin(LeafletGeoAdmin):
    list_display = ["reference", "kind", "status", "plate_address", "created_at", "has_photo"]
    list_filter = ["kind", "status", "created_at"]
    list_select_related = ["plate"]
    search_fields = ["reference", "plate__address"]
    search_help_text = _("Reference number (R-20261127-7K3Q9) or part of the plate's address")
    date_hierarchy = "created_at"
    modifiable = False  # the map shows where the citizen pointed; staff do not move it
    readonly_fields = [
        "reference",
        "kind",
        "plate_link",
        "description",
        "photo_link",
        "photo_keeps_location",
        "contact",
        "created_at",
        "updated_at",
        "client_hash",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "kind", "status", "staff_note"]}),
        (
            _("Report"),
            {"fields": ["plate_link", "location", "description", "photo_link", "photo_keeps_location", "contact"]},
        ),
        (_("Provenance"), {"fields": ["created_at", "updated_at", "client_hash"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "location" in form.base_fields:
            form.base_fields["location"].disabled = True  # a posted value is ignored; the stored point stays
        return form

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reports come from citizens through services.create_report (reference, photo cleaning)

    def delete_model(self, request: HttpRequest, obj: CitizenReport) -> None:
        delete_reports([obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CitizenReport]) -> None:
        delete_reports(queryset)

    @admin.display(description=_("door plate"), ordering="plate__address")
    def plate_address(self, obj: CitizenReport) -> str:
        return obj.plate.address if obj.plate else "—"

    @admin.display(description=_("door plate"))
    def plate_link(self, obj: CitizenReport) -> str:
        if obj.plate is None:
            return "—"
        url = reverse("admin:addresses_doorplate_change", args=[obj.plate_id])
        return format_html('<a href="{}">{}</a>', url, obj.plate.address)

    @admin.display(description=_("photo"), boolean=True)
    def has_photo(self, obj: CitizenReport) -> bool:
        return bool(obj.photo)

    @admin.display(description=_("photo"))
    def photo_link(self, obj: CitizenReport) -> str:
        if not obj.photo:
            return "—"
        url = reverse("reports:photo", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("Open the photo"))
