"""Door-plate admin: Leaflet map widget, search by address in any form the parser accepts, history.

Plates change only through the versioned plate services: the form (``admin_forms.DoorPlateAdminForm``) decides
which ones from what changed and shows their refusals, and a stale form is refused with the other person's change.
Address, keys, version and provenance are read-only; plates are never deleted here (retire them instead).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from geo_portal.addresses.admin_forms import DoorPlateAdminForm
from geo_portal.addresses.models import DoorPlate, ZipCodeRule
from geo_portal.addresses.selectors import plates_matching_text

PROVENANCE = ["street_key", "address_key", "version", "updated_by", "source_batch", "created_at", "updated_at"]


@admin.register(DoorPlate)
class DoorPlateAdmin(LeafletGeoAdmin):
    form = DoorPlateAdminForm
    list_display = ["address", "village", "neighborhood", "status", "condition", "last_checked_on"]
    list_filter = ["status", "condition", "district", "village"]
    list_select_related = ["village", "neighborhood__village"]
    search_fields = ["address"]
    search_help_text = _("Any written form: 光復路2段101-1號5F, 光復路二段一百零一之一號五樓…")
    raw_id_fields = ["road"]

    def get_fieldsets(self, request, obj=None):
        components = (_("Components"), {"fields": ["neighborhood_number", *DoorPlate.COMPONENT_FIELDS]})
        if obj is None:
            return [
                (None, {"fields": ["district", "village", "geom"]}),
                components,
                (_("Condition"), {"fields": ["condition", "last_checked_on", "condition_evidence"]}),
            ]
        lifecycle = ["status", "retired_on", "successor_ids", "retired_reason"]
        lifecycle += ["condition", "last_checked_on", "condition_evidence"]
        return [
            (None, {"fields": ["seen_version", "address", "district", "village", "geom"]}),
            components,
            (_("Lifecycle"), {"fields": lifecycle}),
            (None, {"fields": ["reason"]}),
            (_("Provenance"), {"fields": [*PROVENANCE, "history"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["address", "district", "village", "retired_reason", *PROVENANCE, "history"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        """The services wrote the plate while the form was validated; pass on what they warned about."""
        for warning in form.warnings:
            self.message_user(request, warning, messages.WARNING)

    def save_related(self, request, form, formsets, change):
        """Successor links are written by ``plate_retire`` / ``plate_restore``, not by the form."""

    def has_delete_permission(self, request, obj=None):
        return False  # a plate is retired, never deleted (its id is a persistent identifier)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_search_results(self, request, queryset, search_term):
        """Parse the search text as an address first; fall back to a substring search on the address."""
        if search_term:
            matches = plates_matching_text(search_term, queryset)
            if matches is not None:
                return matches, False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("history (old values)"))
    def history(self, obj: DoorPlate) -> str:
        events = obj.events.select_related("pgh_context").order_by("-pgh_id")[:20] if obj.pk else []
        rows = []
        for e in events:
            context = e.pgh_context.metadata if e.pgh_context_id and e.pgh_context else {}
            rows.append(
                (
                    f"{e.pgh_created_at:%Y-%m-%d %H:%M}",
                    e.pgh_label,
                    context.get("actor") or e.updated_by or "—",
                    context.get("cause") or "—",
                    context.get("reason") or "",
                    e.version,
                    e.address,
                    e.status,
                    e.condition,
                )
            )
        if not rows:
            return "—"
        head = [_("when"), _("event"), _("by"), _("cause"), _("reason"), _("version"), _("address")]
        head += [_("status"), _("condition")]
        return format_html(
            '<table class="plate-history"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>',
            format_html_join("", "<th>{}</th>", ((h,) for h in head)),
            format_html_join("", "<tr>" + "<td>{}</td>" * 9 + "</tr>", rows),
        )


@admin.register(ZipCodeRule)
class ZipCodeRuleAdmin(admin.ModelAdmin):
    list_display = ["zip_code", "county", "district", "road", "scope", "position"]
    list_filter = ["county", "district"]
    search_fields = ["zip_code", "road"]
