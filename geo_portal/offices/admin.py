"""Staff edit the service points by name and address; the geocoder places them (the map shows where)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from geo_portal.offices.models import ServicePoint
from geo_portal.offices.services import locate


@admin.register(ServicePoint)
class ServicePointAdmin(LeafletGeoAdmin):
    list_display = ("name", "kind", "address", "active", "geocode_grade", "located_at")
    list_filter = ("kind", "active", "geocode_grade")
    search_fields = ("name", "name_en", "address")
    fields = (
        "name",
        "name_en",
        "kind",
        "address",
        "active",
        "location",
        "plate",
        "geocode_grade",
        "geocode_note",
        "located_at",
    )
    readonly_fields = ("plate", "geocode_grade", "geocode_note", "located_at")
    actions = ["relocate"]
    settings_overrides = {"DEFAULT_ZOOM": 16}

    def get_readonly_fields(self, request, obj=None):
        # The map shows the geocoded position; it is not edited by hand (the address is the source).
        return (*self.readonly_fields, "location")

    def save_model(self, request, obj, form, change):
        if not change or "address" in form.changed_data or obj.location is None:
            located = locate(obj)
            if obj.location is None:
                message = _("The address was not found: %(note)s") % {"note": located.note}
                self.message_user(request, message, messages.WARNING)
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Locate the selected service points again"))
    def relocate(self, request, queryset):
        for point in queryset:
            locate(point)
            point.save()
        self.message_user(request, _("%(n)d service points located.") % {"n": queryset.count()})
