"""Read-only building queries for the public pages (footprints are public data) and the census splitter."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.gis.db.models.functions import PointOnSurface
from django.contrib.gis.geos import MultiPolygon
from django.db import connections
from django.db.models import Exists, FloatField, Func, OuterRef

from geo_portal.addresses.models import DoorPlate
from geo_portal.buildings.models import Building, PlateBuilding


def outline_geojson(building_id: int) -> dict | None:
    """A building's footprint as a GeoJSON geometry in WGS84 (6 decimals ≈ 0.1 m), or None if unknown."""
    with connections[settings.SEARCH_DB].cursor() as cursor:
        cursor.execute(
            "SELECT ST_AsGeoJSON(ST_Transform(geom, 4326), 6) FROM buildings_building WHERE id = %s", [building_id]
        )
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def unplated_building_points(*, area: MultiPolygon) -> list[tuple[int, float, float]]:
    """Buildings inside ``area`` with no linked plate and no active plate inside: (id, x, y) of a point on each
    footprint, EPSG:3826 — where a census should look for an unregistered entrance."""
    has_link = PlateBuilding.objects.filter(building=OuterRef("pk"))
    has_plate = DoorPlate.objects.active().filter(geom__intersects=OuterRef("geom"))
    return list(
        Building.objects.filter(geom__coveredby=area)
        .filter(~Exists(has_link), ~Exists(has_plate))
        .annotate(point=PointOnSurface("geom"))
        .annotate(x=Func("point", function="ST_X", output_field=FloatField()))
        .annotate(y=Func("point", function="ST_Y", output_field=FloatField()))
        .order_by("id")
        .values_list("id", "x", "y")
    )
