"""Door-plate admin, laid out for a clerk: the plate on a map among its neighbours, road, village and 鄰 chosen by
name (type-ahead lists of the plate's district only), the latest changes on the page and one history view of every
change (what changed from what to what, who and why); panels from higher apps (the plate's citizen reports).

Plates change only through the versioned plate services: the form (``admin_forms.DoorPlateAdminForm``) decides
which ones from what changed and shows their refusals, and a stale form is refused with the other person's change.
Address, keys, version and provenance are read-only; plates are never deleted here (retire them instead).

Higher apps add a panel to the plate page with ``register_plate_panel`` (this app never imports them): a title,
the permission a user needs to see it, and a function from the plate id to HTML.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from geo_portal.addresses.admin_forms import DoorPlateAdminForm
from geo_portal.addresses.admin_widgets import NameChoiceSelect
from geo_portal.addresses.history import PlateChange, plate_changes
from geo_portal.addresses.models import DoorPlate, ZipCodeRule
from geo_portal.addresses.selectors import neighbouring_entrances, plates_matching_text
from geo_portal.addresses.zipcodes.selectors import zip_prefix_fallback
from geo_portal.areas.models import District, Neighborhood, Road, Village

PROVENANCE = ["street_key", "address_key", "version", "updated_by", "source_batch", "created_at", "updated_at"]
CHOICES_PAGE = 20
LATEST_CHANGES = 5


@dataclass(frozen=True)
class PlatePanel:
    """A section a higher app adds to the plate page: shown to users with ``permission``."""

    title: str | Promise
    permission: str
    render: Callable[[int], str]  # plate id → HTML (escaped by the caller's own format_html)


_PANELS: list[PlatePanel] = []


def register_plate_panel(panel: PlatePanel) -> None:
    """Add a panel to every plate's admin page (called once, from a higher app's admin module)."""
    _PANELS.append(panel)


def _covered_districts() -> QuerySet[District]:
    return District.objects.filter(Exists(DoorPlate.objects.filter(district=OuterRef("pk")))).order_by("code")


@admin.register(DoorPlate)
class DoorPlateAdmin(LeafletGeoAdmin):
    form = DoorPlateAdminForm
    change_form_template = "admin/addresses/doorplate/change_form.html"
    object_history_template = "admin/addresses/doorplate/object_history.html"
    list_display = ["address", "village", "neighborhood", "status", "condition", "last_checked_on"]
    list_filter = ["status", "condition", "district", "village"]
    list_select_related = ["village", "neighborhood__village"]
    search_fields = ["address"]
    search_help_text = _("Any written form: 光復路2段101-1號5F, 光復路二段一百零一之一號五樓…")
    # The plate's own point, close enough to tell it from its neighbours (which the page's script adds).
    settings_overrides = {"DEFAULT_ZOOM": 18, "MIN_ZOOM": 12}

    class Media:
        js = ["addresses/admin/plate_page.js", "addresses/admin/a11y.js"]
        css = {"all": ["addresses/admin/plate_page.css", "addresses/admin/a11y.css"]}

    # --- the form -----------------------------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        components = (_("Address components"), {"fields": ["neighborhood_number", *DoorPlate.COMPONENT_FIELDS]})
        if obj is None:
            return [
                (None, {"fields": ["district", "village", "geom"]}),
                components,
                (_("Condition"), {"fields": ["condition", "last_checked_on", "condition_evidence"]}),
            ]
        lifecycle = ["status", "retired_on", "successor_ids", "retired_reason"]
        lifecycle += ["condition", "last_checked_on", "condition_evidence"]
        return [
            (None, {"fields": ["seen_version", "address", "zip_code", "district", "village", "geom"]}),
            components,
            (_("Lifecycle"), {"fields": lifecycle}),
            (None, {"fields": ["reason"]}),
            (_("Latest changes"), {"fields": ["history"]}),
            (_("Provenance"), {"fields": PROVENANCE, "classes": ["collapse"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["address", "zip_code", "district", "village", "retired_reason", *PROVENANCE, "history"]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        covered = list(_covered_districts().values_list("pk", flat=True)[:2])
        if "district" not in initial and len(covered) == 1:
            initial["district"] = covered[0]  # one district on the platform: nothing to choose
        return initial

    def get_form(self, request, obj=None, change=False, **kwargs):
        # A subclass first: its metaclass builds the fields anew, so the widgets are set on its own fields.
        form = type("DoorPlateForm", (super().get_form(request, obj, change=change, **kwargs),), {"actor": request.user})
        district_id = obj.district_id if obj else self._add_district(request)
        village_id = obj.village_id if obj else None
        fields = form.base_fields
        url = reverse("admin:addresses_doorplate_choices", args=["road"])
        if "road" in fields:
            roads = Road.objects.filter(district_id=district_id) if district_id else Road.objects.all()
            fields["road"].queryset = roads.order_by("name")
            fields["road"].widget = NameChoiceSelect(
                url=url, params={"district": district_id}, label=_road_name, attrs={"style": "width: 20em"}
            )
        if "village" in fields:
            villages = Village.objects.filter(district_id=district_id) if district_id else Village.objects.none()
            fields["village"].queryset = villages.order_by("name")
            fields["village"].widget = NameChoiceSelect(
                url=url.replace("/road/", "/village/"), params={"district": district_id}, label=_village_name
            )
            fields["village"].help_text = _("Found from the point when left empty.")
        if "district" in fields:
            fields["district"].help_text = _("Choose the district first: the roads and villages offered follow it.")
        fields["neighborhood_number"] = copy.deepcopy(fields["neighborhood_number"])  # declared: shared by the class
        fields["neighborhood_number"].widget = NameChoiceSelect(
            url=url.replace("/road/", "/neighborhood/"),
            params={"district": district_id, "village": village_id},
            label=lambda number: gettext("%(number)s鄰") % {"number": number},
            tags=True,  # a 鄰 the village does not have yet can be typed
        )
        return form

    def _add_district(self, request: HttpRequest) -> int | None:
        """The district of a plate being added: the one posted, the one in the URL, or the only one covered."""
        value = request.POST.get("district") or request.GET.get("district") or ""
        if value.isdigit():
            return int(value)
        return self.get_changeform_initial_data(request).get("district")

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

    # --- the page: neighbours on the map, panels of higher apps, the history --------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        plate = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if plate is not None:
            context["plate_map"] = {
                "plate": {"id": plate.pk, "label": _number_label(plate)},
                "neighbours": [
                    {"id": n.plate_id, "label": n.label, "lat": n.lat, "lon": n.lon, "url": _change_url(n.plate_id)}
                    for n in neighbouring_entrances(plate=plate)
                ],
            }
            context["plate_panels"] = [
                {"title": p.title, "html": p.render(plate.pk)} for p in _PANELS if request.user.has_perm(p.permission)
            ]
        return super().change_view(request, object_id, form_url, extra_context=context)

    def history_view(self, request, object_id, extra_context=None):
        """Every change of the plate, newest first: what changed from what to what, who, through what, why."""
        plate = get_object_or_404(DoorPlate, pk=object_id)
        if not self.has_view_or_change_permission(request, plate):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("History of %(address)s") % {"address": plate.address},
            "subtitle": None,
            "object": plate,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "table": _changes_table([_change_row(c) for c in plate_changes(plate=plate)]),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)

    @admin.display(description=_("latest changes"))
    def history(self, obj: DoorPlate) -> str:
        if not obj.pk:
            return "—"
        rows = [_change_row(c) for c in plate_changes(plate=obj, limit=LATEST_CHANGES)]
        url = reverse("admin:addresses_doorplate_history", args=[obj.pk])
        return format_html(
            '{}<p><a href="{}">{}</a></p>',
            _changes_table(rows) if rows else "—",
            url,
            gettext("The whole history of this plate"),
        )

    @admin.display(description=_("3+3 zip code"))
    def zip_code(self, obj: DoorPlate) -> str:
        if obj.zip_code:
            return obj.zip_code
        prefix = zip_prefix_fallback(
            county=obj.district.county.name, district=obj.district.name, road=obj.road.name if obj.road_id else obj.area
        )
        if not prefix:
            return gettext("none: no 3+3 rule covers this plate")
        return gettext("%(prefix)s (partial: no 3+3 rule covers this plate; the first 3 digits from the rules)") % {
            "prefix": prefix
        }

    # --- type-ahead lists of roads, villages and 鄰 ---------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view(self.choices_view)
        return [path("choices/<str:kind>/", view, name="addresses_doorplate_choices"), *super().get_urls()]

    def choices_view(self, request: HttpRequest, kind: str) -> HttpResponse:
        """Roads, villages or 鄰 of one district (village), matching what was typed, in select2's JSON."""
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        term = request.GET.get("term", "").strip()[:40]
        page = int(request.GET.get("page", "1")) if request.GET.get("page", "1").isdigit() else 1
        district, village = request.GET.get("district", ""), request.GET.get("village", "")
        covered = _covered_districts()
        if kind == "road":
            qs = Road.objects.filter(district__in=covered).select_related("district")
            if term:
                qs = qs.filter(Q(name__contains=term) | Q(name_en__icontains=term) | Q(aliases__alias__contains=term))
            qs = qs.filter(district_id=district) if district.isdigit() else qs
            rows = [(r.pk, r.name if district else f"{r.name} ({r.district.name})") for r in qs.distinct().order_by("name")]
        elif kind == "village":
            qs = Village.objects.filter(district__in=covered).select_related("district")
            if term:
                qs = qs.filter(Q(name__contains=term) | Q(name_en__icontains=term) | Q(code__startswith=term))
            qs = qs.filter(district_id=district) if district.isdigit() else qs
            rows = [(v.pk, v.name if district else f"{v.name} ({v.district.name})") for v in qs.order_by("name")]
        elif kind == "neighborhood":
            qs = Neighborhood.objects.filter(village_id=village) if village.isdigit() else Neighborhood.objects.none()
            qs = qs.annotate(n=Count("plates", filter=Q(plates__status=DoorPlate.Status.ACTIVE)))
            if term.isdigit():
                qs = qs.filter(number=int(term))
            rows = [(h.number, gettext("%(number)s鄰 (%(plates)s plates)") % {"number": h.number, "plates": h.n})
                    for h in qs.order_by("number")]  # fmt: skip
        else:
            return JsonResponse({"error": f"unknown list {kind!r}; lists: road, village, neighborhood"}, status=404)
        start = (page - 1) * CHOICES_PAGE
        chunk = rows[start : start + CHOICES_PAGE]
        results = [{"id": pk, "text": text} for pk, text in chunk]
        return JsonResponse({"results": results, "pagination": {"more": len(rows) > start + len(chunk)}})


def _road_name(value) -> str:
    return Road.objects.filter(pk=value).values_list("name", flat=True).first() or str(value)


def _village_name(value) -> str:
    return Village.objects.filter(pk=value).values_list("name", flat=True).first() or str(value)


def _number_label(plate: DoorPlate) -> str:
    label = f"{plate.number_prefix}{plate.number}" + (f"之{plate.sub_number}" if plate.sub_number is not None else "")
    return label + "號" + (f"之{plate.number_suffix}" if plate.number_suffix is not None else "")


def _change_url(plate_id: int) -> str:
    return reverse("admin:addresses_doorplate_change", args=[plate_id])


EVENT_LABELS = {
    "plate.create": _("created"),
    "plate.update": _("changed"),
    "plate.delete": _("deleted"),
    "successor.add": _("successor linked"),
    "successor.remove": _("successor unlinked"),
}


def _change_row(change: PlateChange) -> dict:
    return {
        "at": timezone.localtime(change.at).strftime("%Y-%m-%d %H:%M"),
        "event": str(EVENT_LABELS.get(change.event, change.event)),
        "actor": change.actor,
        "cause": change.cause,
        "reason": change.reason,
        "version": change.version if change.version is not None else "",
        "changes": change.changes,
    }


def _changes_table(rows: list[dict]) -> str:
    """Changes as a table: when, what, who (through what), why, version, and each field from → to."""
    head = [_("when"), _("event"), _("by"), _("reason"), _("version"), _("what changed")]
    body = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                r["at"],
                r["event"],
                format_html("{}{}", r["actor"], format_html(" <small>({})</small>", r["cause"]) if r["cause"] else ""),
                r["reason"] or "—",
                r["version"],
                format_html_join(
                    "",
                    '<div class="change"><b>{}</b>: {}</div>',
                    (
                        (c.label, format_html("<del>{}</del> → <ins>{}</ins>", c.old, c.new) if c.old else c.new)
                        for c in r["changes"]
                    ),
                )
                or "—",
            )
            for r in rows
        ),
    )
    return format_html(
        '<table class="plate-history"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>',
        format_html_join("", "<th>{}</th>", ((h,) for h in head)),
        body,
    )


@admin.register(ZipCodeRule)
class ZipCodeRuleAdmin(admin.ModelAdmin):
    list_display = ["zip_code", "county", "district", "road", "scope", "position"]
    list_filter = ["county", "district"]
    search_fields = ["zip_code", "road"]
