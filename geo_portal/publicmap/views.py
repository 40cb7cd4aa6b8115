"""Public views: thin, read-only, public fields only (plates, buildings, villages, aggregates)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import asdict, dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import StaticHTMLRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from geo_portal.addresses.search import Grade, PlateHit, geocode, plate_card, service_url
from geo_portal.addresses.selectors import plate_condition
from geo_portal.areas.statistics import month_totals, population_months
from geo_portal.buildings.selectors import outline_geojson
from geo_portal.core.throttling import client_throttled
from geo_portal.publicmap import stats, tile_memory
from geo_portal.publicmap.selectors import card_extras, coverage, district_summaries, map_extent
from geo_portal.publicmap.tiles import LAYERS, TileOutOfRange
from geo_portal.publicmap.ui_text import stats_strings, ui_strings

MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"


throttled = client_throttled("pages")


def card_context(request: HttpRequest, plate: PlateHit, note: str = "") -> dict:
    """What ``publicmap/_card.html`` needs: the plate, its condition, its building outline, its permalink and the
    extras (the village's English name, the house number as labelled on the map, a partial zip code)."""
    building = outline_geojson(plate.building_id) if plate.building_id else None
    permalink = f"{reverse('publicmap:home')}?plate={plate.plate_id}"
    return {
        "plate": plate,
        "extras": card_extras(plate.plate_id) if plate.plate_id else None,
        "building": building,
        "building_json": json.dumps(building, separators=(",", ":")) if building else "",
        "permalink": permalink,
        "permalink_full": request.build_absolute_uri(permalink),
        "note": note,
        "condition": plate_condition(plate.plate_id) if plate.plate_id else None,
    }


def _tile_url(layer: str) -> str:
    return reverse("publicmap:tile", args=[layer, 0, 0, 0]).replace("/0/0/0.", "/{z}/{x}/{y}.")


def _prefix(name: str) -> str:
    """The URL of an ``<int:...>`` route without its trailing id, for the script to append one."""
    return reverse(name, args=[0]).removesuffix("0")


def map_config(initial: PlateHit | None, message: str, query: str) -> dict:
    """Everything the map script needs (URLs, basemaps, first view, translated strings), as JSON-ready data."""
    leaflet = settings.LEAFLET_CONFIG
    covered = coverage()
    return {
        "tiles": {layer: _tile_url(layer) for layer in LAYERS},
        "api": {
            "autocomplete": reverse("api:autocomplete"),
            "geocode": reverse("api:geocode"),
            "reverse": reverse("api:reverse"),
            "card": _prefix("publicmap:card"),
            "road": _prefix("publicmap:road"),
            "report": reverse("reports:create"),
        },
        "basemaps": [{"name": name, "url": url, "options": options} for name, url, options in leaflet["TILES"]],
        "minZoom": leaflet["MIN_ZOOM"],
        "maxZoom": leaflet["MAX_ZOOM"],
        "center": list(leaflet["DEFAULT_CENTER"]),
        "zoom": leaflet["DEFAULT_ZOOM"],
        "extent": map_extent(),
        "coverage": {
            "geometry": covered.geometry,
            "names": covered.names_en if get_language() == "en" else covered.names,
            "service": service_url(),
        },
        "initial": asdict(initial) if initial else None,
        "message": message,
        "query": query,
        "text": ui_strings(),
    }


def _permalink_target(request: HttpRequest) -> tuple[PlateHit | None, str, str]:
    """The plate named by ``?plate=<id>`` or ``?q=<address>``, a message when there is none, and the query."""
    plate_param, query = request.GET.get("plate", "").strip(), request.GET.get("q", "").strip()[:200]
    if plate_param:
        card = plate_card(int(plate_param)) if plate_param.isdigit() and len(plate_param) < 19 else None
        if card is None:
            return None, _("No active door plate has the number %(plate)s.") % {"plate": plate_param}, query
        return card, "", query
    if query:
        result = geocode(query, limit=1)
        # A plate only: an interpolated answer is a position between plates, with no card of its own.
        if result.hits and result.grade != Grade.NONE and result.hits[0].plate_id is not None:
            return result.hits[0], "", query
        return None, _("No door plate matches “%(query)s”.") % {"query": query}, query
    return None, "", query


@require_GET
@throttled
def home(request: HttpRequest) -> HttpResponse:
    """The public map. ``?plate=<id>`` or ``?q=<address>`` open a plate's card (permalinks; works without script)."""
    initial, message, query = _permalink_target(request)
    context = {
        "config": map_config(initial, message, query),
        "title": initial.address if initial else _("Door-plate map"),
        "initial": initial,
    }
    if initial:
        context |= card_context(request, initial)
    return render(request, "publicmap/map.html", context)


@require_GET
@throttled
def districts(request: HttpRequest) -> HttpResponse:
    """The loaded districts with their counts of villages, roads, plates and buildings."""
    return render(request, "publicmap/districts.html", {"districts": district_summaries()})


@require_GET
@client_throttled("tiles")
def tile(request: HttpRequest, layer: str, z: int, x: int, y: int) -> HttpResponse:
    """A Mapbox vector tile of one public layer, cached until a change touches it, with an ETag (304 when unchanged).

    A plain view, not DRF: the map asks for dozens of tiles at once, and every skipped layer counts.
    """
    try:
        cached = tile_memory.tile(layer, z, x, y)
    except TileOutOfRange as exc:
        return HttpResponse(str(exc), status=404, content_type="text/plain; charset=utf-8")
    if request.headers.get("If-None-Match") == cached.etag:
        response = HttpResponse(status=304, content_type=MVT_CONTENT_TYPE)
    elif not cached.content:
        response = HttpResponse(status=204, content_type=MVT_CONTENT_TYPE)
    else:
        response = HttpResponse(cached.content, content_type=MVT_CONTENT_TYPE)
    response["ETag"] = cached.etag
    # Browsers revalidate after a minute (cheap: 304 from the cache); shared caches may keep a tile for 5.
    response["Cache-Control"] = "public, max-age=60, s-maxage=300"
    response["X-Tile-Cache"] = cached.source
    return response


class CardView(APIView):
    """One active plate's card as an HTML fragment (the same template the permalink page renders)."""

    renderer_classes = [StaticHTMLRenderer]

    @extend_schema(exclude=True)  # an HTML fragment for the map page; /api/v1/plates/<id> is the JSON form
    def get(self, request: Request, plate_id: int) -> HttpResponse:
        plate = plate_card(plate_id)
        if plate is None:
            return HttpResponse(_("No active door plate has the number %(plate)s.") % {"plate": plate_id}, status=404)
        note = ""
        distance = request.query_params.get("distance", "")
        if distance.replace(".", "", 1).isdigit():
            note = _("{d} m from the point you chose").replace("{d}", f"{float(distance):.0f}")
        html = render_to_string("publicmap/_card.html", card_context(request._request, plate, note), request=request)
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        response["Cache-Control"] = "no-cache"
        return response


@dataclass(frozen=True)
class StatsRequest:
    """What ``/stats/`` and its downloads were asked for: the district and month shown, or why not."""

    districts: list[stats.StatsDistrict]
    district: stats.StatsDistrict | None
    months: list[dt.date]
    month: dt.date | None
    error: str


def _stats_request(request: HttpRequest) -> StatsRequest:
    covered, available = stats.covered_districts(), population_months()
    district, month, error = None, None, ""
    try:
        district = stats.parse_district(request.GET.get("district", "").strip()[:8], covered)
        month = stats.parse_month(request.GET.get("month", "").strip()[:10], available)
    except ValueError as exc:
        error = str(exc)
    return StatsRequest(covered, district, available, month, error)


@require_GET
@throttled
def stats_page(request: HttpRequest) -> HttpResponse:
    """The public statistics dashboard of one covered district: per-village choropleth, sortable table, the
    district's totals (and their time series), downloads."""
    asked = _stats_request(request)
    district, month = asked.district or (asked.districts[0] if asked.districts else None), asked.month
    rows = stats.village_stats(month, district)[0] if district and month else []
    totals = month_totals(district_id=district.id) if district else []
    # The note under the totals speaks of the month on show (the latest when the month asked for is unknown).
    shown = next((t for t in totals if t.month == month), totals[-1] if totals else None)
    # The district is named in links only when there is a choice (one covered district: the links stay short).
    params = {"district": district.code} if district and len(asked.districts) > 1 else {}
    params |= {"month": f"{month:%Y-%m}"} if month else {}
    download_query = "?" + urlencode(params) if params else ""
    context = {
        "districts": asked.districts,
        "district": district,
        "district_label": stats.district_label(district) if district else "",
        "months": asked.months,
        "month": month,
        "error": asked.error,
        "rows": rows,
        "footer": stats.table_totals(rows),
        "totals": totals,
        "totals_shown": shown,
        "totals_note": stats.totals_note(shown, district) if shown and district else "",
        "series_points": _series_points([t.population for t in totals]),
        "download_query": download_query,
        "config": {
            "geojson": reverse("publicmap:stats-geojson") + download_query,
            "basemaps": [{"name": n, "url": u, "options": o} for n, u, o in settings.LEAFLET_CONFIG["TILES"]],
            "extent": map_extent(),
            "text": stats_strings(),
        },
    }
    return render(request, "publicmap/stats.html", context, status=400 if asked.error else 200)


def _series_points(values: list[int], width: int = 300, height: int = 80) -> str:
    """SVG polyline points for a small line chart of the monthly totals (empty with fewer than 2 months)."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1
    step = width / (len(values) - 1)
    return " ".join(f"{i * step:.1f},{height - (v - low) / span * height:.1f}" for i, v in enumerate(values))


def _stats_download(request: HttpRequest, kind: str) -> HttpResponse:
    asked = _stats_request(request)
    if asked.error or asked.month is None or asked.district is None:
        message = asked.error or _("No population statistics are loaded yet.")
        return HttpResponse(message, status=400 if asked.error else 404, content_type="text/plain; charset=utf-8")
    district, month = asked.district, asked.month
    rows, features = stats.village_stats(month, district)
    name = f"villages-{month:%Y-%m}" if len(asked.districts) == 1 else f"villages-{district.code}-{month:%Y-%m}"
    if kind == "geojson":
        # The district's totals of the month (published villages only, withheld ones counted) ride along as a
        # foreign member.
        totals = next(t for t in month_totals(district_id=district.id) if t.month == month)
        collection = {"type": "FeatureCollection", "totals": stats.totals_json(totals, district), "features": features}
        body = json.dumps(collection, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese correctly only with a BOM
        writer = csv.writer(response)
        fields = [f for f in asdict(rows[0])] if rows else []
        writer.writerow(["month", *fields])
        for row in rows:
            writer.writerow([f"{month:%Y-%m}", *("" if v is None else v for v in asdict(row).values())])
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


@require_GET
@throttled
def stats_csv(request: HttpRequest) -> HttpResponse:
    """Per-village statistics of one month as CSV (UTF-8 with BOM)."""
    return _stats_download(request, "csv")


@require_GET
@throttled
def stats_geojson(request: HttpRequest) -> HttpResponse:
    """Per-village statistics of one month with boundaries, as GeoJSON (WGS84)."""
    return _stats_download(request, "geojson")
