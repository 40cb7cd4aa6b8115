"""The directory pages: ``/roads/<id>`` (a road's numbers per side, lanes and alleys, zip codes, map) and
``/entrances/<plate id>`` (every unit under that plate's entrance). Thin, read-only, throttled like the other pages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from geo_portal.core.throttling import client_throttled
from geo_portal.publicmap.directory.selectors import entrance_page, road_page
from geo_portal.publicmap.ui_text import directory_strings

throttled = client_throttled("pages")


def _basemaps() -> list[dict]:
    return [{"name": name, "url": url, "options": options} for name, url, options in settings.LEAFLET_CONFIG["TILES"]]


@require_GET
@throttled
def road(request: HttpRequest, road_id: int) -> HttpResponse:
    """A road's page: its numbers on each side, its lanes and alleys, its zip codes, and a map of its entrances."""
    page = road_page(road_id)
    if page is None:
        context = {"missing": _("No road with door plates has the number %(road)s.") % {"road": road_id}}
        return render(request, "publicmap/road.html", context, status=404)
    config = {
        "basemaps": _basemaps(),
        "bbox": page.bbox,
        "points": page.points,
        "entrance": reverse("publicmap:entrance", args=[0]).removesuffix("0"),
        "text": directory_strings(),
    }
    return render(request, "publicmap/road.html", {"page": page, "config": config})


@require_GET
@throttled
def entrance(request: HttpRequest, plate_id: int) -> HttpResponse:
    """Every unit registered under a plate's entrance (floors, floor 之 numbers, and the 之 numbers of the number)."""
    page = entrance_page(plate_id)
    if page is None:
        context = {"missing": _("No active door plate has the number %(plate)s.") % {"plate": plate_id}}
        return render(request, "publicmap/entrance.html", context, status=404)
    config = {
        "basemaps": _basemaps(),
        "bbox": None,
        "points": [(page.lat, page.lon, page.plate_id, "")],
        "outline": page.building_outline,
        "entrance": "",
        "text": directory_strings(),
    }
    return render(request, "publicmap/entrance.html", {"page": page, "config": config})
