"""Door-plate admin: Leaflet map widget, search by address in any form the parser accepts, history."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from geo_portal.addresses.models import DoorPlate, ZipCodeRule
from geo_portal.addresses.selectors import plates_matching_text


@admin.register(DoorPlate)
class DoorPlateAdmin(LeafletGeoAdmin):
    list_display = ["address", "village", "neighborhood", "status", "condition", "last_checked_on"]
    list_filter = ["status", "condition", "district", "village"]
    list_select_related = ["village", "neighborhood__village"]
    search_fields = ["address"]
    search_help_text = _("Any written form: 光復路2段101-1號5F, 光復路二段一百零一之一號五樓…")
    readonly_fields = ["street_key", "address_key", "address", "source_batch", "created_at", "updated_at", "history"]
    raw_id_fields = ["road", "neighborhood"]
    fieldsets = [
        (None, {"fields": ["address", "district", "village", "neighborhood", "geom"]}),
        (
            _("Components"),
            {"fields": list(DoorPlate.COMPONENT_FIELDS)},
        ),
        (
            _("Lifecycle"),
            {"fields": ["status", "retired_on", "retired_reason", "condition", "last_checked_on"]},
        ),
        (_("Provenance"), {"fields": ["street_key", "address_key", "source_batch", "created_at", "updated_at", "history"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        """Parse the search text as an address first; fall back to a substring search on the address."""
        if search_term:
            matches = plates_matching_text(search_term, queryset)
            if matches is not None:
                return matches, False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("history (old values)"))
    def history(self, obj: DoorPlate) -> str:
        events = obj.events.order_by("-pgh_created_at")[:20] if obj.pk else []
        lines = [
            f"{e.pgh_created_at:%Y-%m-%d %H:%M} {e.pgh_label}: {e.address} · {e.status} · {e.condition}"
            + (f" · {e.pgh_context.metadata}" if e.pgh_context_id else "")
            for e in events
        ]
        return "\n".join(lines) or "—"


@admin.register(ZipCodeRule)
class ZipCodeRuleAdmin(admin.ModelAdmin):
    list_display = ["zip_code", "county", "district", "road", "scope", "position"]
    list_filter = ["county", "district"]
    search_fields = ["zip_code", "road"]
