"""Translated strings for the map page's script (passed as JSON; no inline script, no extra request)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def ui_strings() -> dict[str, str]:
    """Strings the map script shows, in the request's language. ``{n}``-style fields are filled in by the script."""
    return {
        "pageTitle": _("Door-plate map"),
        "suggestions": _("{n} suggestions; use the up and down arrows to choose, Enter to open."),
        "noSuggestions": _("No suggestion for this text."),
        "searching": _("Searching…"),
        "notFound": _("No door plate matches “{q}”."),
        "didYouMean": _("Did you mean:"),
        "searchFailed": _("The search failed ({status}). Please try again."),
        "tooMany": _("Too many requests. Please wait a minute and try again."),
        "wgs84": _("WGS84 (lat, lon)"),
        "twd97": _("TWD97 TM2 (x, y)"),
        "copy": _("Copy"),
        "copied": _("Copied"),
        "reportHere": _("Report a problem at this point"),
        "nothingNear": _("No door plate within {r} m of this point."),
        "pointChosen": _("Point chosen: {lat}, {lon}"),
        "plateShown": _("Showing {address}"),
        "locating": _("Finding your location…"),
        "locationDenied": _("Your location is not available: {reason}"),
        "layerPlates": _("Door plates"),
        "layerBuildings": _("Building footprints"),
        "layerVillages": _("Village boundaries"),
        "basemapNone": _("Plain background"),
        "reportSent": _("Thank you. Your report number is {reference}."),
        "reportSending": _("Sending your report…"),
        "reportFailed": _("The report was not sent:"),
        "reportPlate": _("Door plate: {address}"),
        "reportPoint": _("Point: {lat}, {lon}"),
        "grade_interpolated": _("Approximate position: interpolated between neighbouring numbers."),
        "grade_base": _("The floor or unit asked for is not registered; showing its entrance."),
        "grade_fuzzy": _("The road name was corrected."),
        "outsideArea": _("This point is outside the area this map covers ({area})."),
        "outsideService": _("For door plates elsewhere, ask the national door-plate service."),
        "platesAtAddress": _("{n} door plates match; choose one:"),
        "choosePlate": _("Show {address} on the map"),
        "sheetMore": _("Show more of the panel"),
        "sheetLess": _("Show less of the panel"),
        "oddNumbers": _("Odd numbers"),
        "evenNumbers": _("Even numbers"),
        "platesCount": _("Door plates"),
        "lanesCount": _("Lanes"),
        "roadPage": _("The road's page: numbers on each side, lanes, zip codes"),
        "place_landmark": _("Landmark (named building)"),
        "place_village": _("Village"),
        "place_neighborhood": _("Neighbourhood"),
        "place_area": _("Named area"),
        "placePlates": _("{n} door plates"),
        "placeHoods": _("{n} neighbourhoods"),
        "outlineApproximate": _("The outline is drawn around its door plates (approximate; there is no official boundary)."),
    }


def directory_strings() -> dict[str, str]:
    """Strings the road and entrance pages' map script shows."""
    return {
        "mapLabel": _("Map of the door plates listed on this page"),
        "basemapNone": _("Plain background"),
        "units": _("Every unit at this entrance"),
    }


def stats_strings() -> dict[str, str]:
    """Strings the statistics dashboard's script shows."""
    return {
        "suppressed": _("suppressed (fewer than 3 households)"),
        "noData": _("no data"),
        "legend": _("Legend: {metric}"),
        "sorted": _("Table sorted by {column}, {direction}."),
        "ascending": _("ascending"),
        "descending": _("descending"),
    }
