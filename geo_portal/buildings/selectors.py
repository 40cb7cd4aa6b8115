"""Read-only building queries for the public pages (footprints are public data)."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import connections


def outline_geojson(building_id: int) -> dict | None:
    """A building's footprint as a GeoJSON geometry in WGS84 (6 decimals ≈ 0.1 m), or None if unknown."""
    with connections[settings.SEARCH_DB].cursor() as cursor:
        cursor.execute(
            "SELECT ST_AsGeoJSON(ST_Transform(geom, 4326), 6) FROM buildings_building WHERE id = %s", [building_id]
        )
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None
