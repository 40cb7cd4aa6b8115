"""Mapbox vector tiles (``ST_AsMVT``) of the public layers: door plates, building footprints, villages.

One SQL statement per tile; PostGIS does the clipping, quantising and encoding. Geometries are stored in
EPSG:3826, so each query transforms the tile envelope to 3826 once (to use the GiST indexes) and only the
selected rows to Web Mercator.

Zoom policy for the plates layer (measured on 東區: the densest raw z14 tile is 815 KB, z15 136 KB, z16 35 KB):

- z ≤ 10: one point per district with its count of active plates (``kind = district``);
- z 11–12: one point per village with its count (``kind = village``);
- z 13–15: counts on a grid of 64-pixel cells (``kind = cluster``), at most 16 features per tile;
- z ≥ 16: one point per entrance position (floors and 之 units share their entrance's point), with the number
  of units there and the entrance's house number as a label (``label``: 101之1號; ``label_en``: 101-1).

The map draws every count and name as a label in one collision index, so nothing overlaps and labels crossing a
tile edge are drawn on both tiles (``static/geo_portal/map.js``). A change of what a tile holds needs a migration
that empties the tile cache (as ``0005_tile_format_label_en``).

The design holds for a national data set: every query is bounded by the tile's envelope on a GiST index, and
the aggregated zooms carry at most a few hundred features whatever the number of plates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

EXTENT = 4096  # MVT grid units per tile side
BUFFER = 64  # grid units drawn beyond the tile edge, so symbols at the edge are not cut
WEB_MERCATOR_SIZE = 40_075_016.685578488  # metres, one side of the EPSG:3857 square
MAX_ZOOM = 22
RAW_PLATES_MIN_ZOOM = 16
CLUSTER_MIN_ZOOM = 13
VILLAGE_COUNTS_MIN_ZOOM = 11
CLUSTER_CELLS = 4  # cells per tile side → 64-pixel cells on a 256-pixel tile (circles up to 36 px wide)
BUILDINGS_MIN_ZOOM = 15
VILLAGES_MIN_ZOOM = 10
LAYERS = ("plates", "buildings", "villages")
# What each layer draws, and so which changes dirty its cached tiles: ``services.RULES`` (keep them in step).

_BOUNDS = """
WITH b AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
           ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s), 3826) AS env_s
)"""

# House number of an entrance, e.g. 12號, 12之1號, 12號之3, 附12號; in English as the MOI writes it after "No.":
# 12, 12-1, 12-3 (the map's English mode labels with it).
_NUMBER_LABEL = (
    "p.number_prefix || p.number || coalesce('之' || p.sub_number, '') || '號' || coalesce('之' || p.number_suffix, '')"
)
_NUMBER_LABEL_EN = "p.number_prefix || p.number || coalesce('-' || p.sub_number, '') || coalesce('-' || p.number_suffix, '')"

RAW_PLATES_SQL = f"""{_BOUNDS}
SELECT ST_AsMVT(t, 'plates', {EXTENT}, 'geom') FROM (
    SELECT ST_AsMVTGeom(ST_Transform(p.geom, 3857), b.env, {EXTENT}, {BUFFER}, true) AS geom,
           'plate' AS kind,
           min(p.id) AS id,
           count(*)::int AS units,
           (array_agg({_NUMBER_LABEL} ORDER BY p.floor NULLS FIRST, p.id))[1] AS label,
           (array_agg({_NUMBER_LABEL_EN} ORDER BY p.floor NULLS FIRST, p.id))[1] AS label_en
    FROM addresses_doorplate p, b
    WHERE p.status = 'active' AND p.geom && b.env_s
    GROUP BY p.geom, b.env
) t WHERE t.geom IS NOT NULL"""

# Grid cells aligned on the tile's own origin; a plate belongs to exactly one tile (half-open envelope).
CLUSTER_SQL = f"""{_BOUNDS},
pts AS (
    SELECT ST_Transform(p.geom, 3857) AS g FROM addresses_doorplate p, b
    WHERE p.status = 'active' AND p.geom && b.env_s
),
cells AS (
    SELECT floor((ST_X(g) - ST_XMin(b.env)) / %(cell)s) AS cx, floor((ST_Y(g) - ST_YMin(b.env)) / %(cell)s) AS cy,
           ST_Centroid(ST_Collect(g)) AS centre, count(*) AS n
    FROM pts, b
    WHERE ST_X(g) >= ST_XMin(b.env) AND ST_X(g) < ST_XMax(b.env)
      AND ST_Y(g) >= ST_YMin(b.env) AND ST_Y(g) < ST_YMax(b.env)
    GROUP BY 1, 2
)
SELECT ST_AsMVT(t, 'plates', {EXTENT}, 'geom') FROM (
    SELECT ST_AsMVTGeom(c.centre, b.env, {EXTENT}, 0, false) AS geom, 'cluster' AS kind, c.n::int AS units,
           to_char(c.n, 'FM999,999,999') AS label
    FROM cells c, b
) t WHERE t.geom IS NOT NULL"""

_AREA_COUNTS = """{bounds},
areas AS (
    SELECT a.id, a.code, a.name, a.name_en, ST_Transform(ST_PointOnSurface(a.boundary), 3857) AS g
    FROM {table} a, b WHERE a.boundary && b.env_s
)
SELECT ST_AsMVT(t, 'plates', {extent}, 'geom') FROM (
    SELECT ST_AsMVTGeom(a.g, b.env, {extent}, 0, false) AS geom, '{kind}' AS kind, a.code, a.name, a.name_en,
           c.n::int AS units, to_char(c.n, 'FM999,999,999') AS label
    FROM areas a CROSS JOIN b
    CROSS JOIN LATERAL (
        SELECT count(*) AS n FROM addresses_doorplate p WHERE p.{fk} = a.id AND p.status = 'active'
    ) c
    WHERE c.n > 0 AND ST_X(a.g) >= ST_XMin(b.env) AND ST_X(a.g) < ST_XMax(b.env)
      AND ST_Y(a.g) >= ST_YMin(b.env) AND ST_Y(a.g) < ST_YMax(b.env)
) t WHERE t.geom IS NOT NULL"""

VILLAGE_COUNTS_SQL = _AREA_COUNTS.format(
    bounds=_BOUNDS, table="areas_village", fk="village_id", kind="village", extent=EXTENT
)
DISTRICT_COUNTS_SQL = _AREA_COUNTS.format(
    bounds=_BOUNDS, table="areas_district", fk="district_id", kind="district", extent=EXTENT
)

BUILDINGS_SQL = f"""{_BOUNDS}
SELECT ST_AsMVT(t, 'buildings', {EXTENT}, 'geom') FROM (
    SELECT ST_AsMVTGeom(ST_Transform(bl.geom, 3857), b.env, {EXTENT}, {BUFFER}, true) AS geom,
           bl.id, bl.name, bl.floors
    FROM buildings_building bl, b WHERE bl.geom && b.env_s
) t WHERE t.geom IS NOT NULL"""

# Boundaries (simplified to a tenth of a pixel before the transform) and one label point per village.
VILLAGES_SQL = f"""{_BOUNDS}
SELECT (
    SELECT ST_AsMVT(t, 'villages', {EXTENT}, 'geom') FROM (
        SELECT ST_AsMVTGeom(ST_Transform(ST_Simplify(v.boundary, %(tolerance)s), 3857), b.env, {EXTENT}, {BUFFER}, true)
                   AS geom, v.code, v.name, v.name_en
        FROM areas_village v, b WHERE v.boundary && b.env_s
    ) t WHERE t.geom IS NOT NULL
) || (
    SELECT ST_AsMVT(t, 'village_labels', {EXTENT}, 'geom') FROM (
        SELECT ST_AsMVTGeom(l.g, b.env, {EXTENT}, 0, false) AS geom, l.code, l.name, l.name_en
        FROM (SELECT v.code, v.name, v.name_en, ST_Transform(ST_PointOnSurface(v.boundary), 3857) AS g
              FROM areas_village v, b WHERE v.boundary && b.env_s) l, b
        WHERE ST_X(l.g) >= ST_XMin(b.env) AND ST_X(l.g) < ST_XMax(b.env)
          AND ST_Y(l.g) >= ST_YMin(b.env) AND ST_Y(l.g) < ST_YMax(b.env)
    ) t WHERE t.geom IS NOT NULL
)"""


class TileOutOfRange(ValueError):
    """The z/x/y address does not name a tile."""


@dataclass(frozen=True)
class TileQuery:
    sql: str
    params: dict
    aggregated: bool = False  # counts over many plates: PostgreSQL may run it in parallel when run on its own


def tile_size_m(z: int) -> float:
    """Side of a tile at zoom ``z`` in Web Mercator metres."""
    return WEB_MERCATOR_SIZE / (2**z)


def check_tile(layer: str, z: int, x: int, y: int) -> None:
    if layer not in LAYERS:
        raise TileOutOfRange(f"unknown layer {layer!r}; layers are {', '.join(LAYERS)}")
    if not 0 <= z <= MAX_ZOOM:
        raise TileOutOfRange(f"zoom must be between 0 and {MAX_ZOOM}")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise TileOutOfRange(f"x and y must be between 0 and {2**z - 1} at zoom {z}")


def tile_query(layer: str, z: int, x: int, y: int) -> TileQuery | None:
    """The SQL that encodes one tile, or None when the layer shows nothing at this zoom."""
    check_tile(layer, z, x, y)
    size = tile_size_m(z)
    base = {"z": z, "x": x, "y": y, "margin": BUFFER / EXTENT}
    if layer == "plates":
        if z >= RAW_PLATES_MIN_ZOOM:
            return TileQuery(RAW_PLATES_SQL, base)
        if z >= CLUSTER_MIN_ZOOM:
            return TileQuery(CLUSTER_SQL, {**base, "margin": 0, "cell": size / CLUSTER_CELLS}, aggregated=True)
        if z >= VILLAGE_COUNTS_MIN_ZOOM:
            return TileQuery(VILLAGE_COUNTS_SQL, {**base, "margin": 0}, aggregated=True)
        return TileQuery(DISTRICT_COUNTS_SQL, {**base, "margin": 0}, aggregated=True)
    if layer == "buildings":
        return TileQuery(BUILDINGS_SQL, base) if z >= BUILDINGS_MIN_ZOOM else None
    if z < VILLAGES_MIN_ZOOM:
        return None
    # Simplify in storage metres: a tenth of a pixel at this zoom (Mercator metres shrink by cos(latitude)).
    return TileQuery(VILLAGES_SQL, {**base, "tolerance": size / 256 / 10 * math.cos(math.radians(24))})


def render_tile(layer: str, z: int, x: int, y: int) -> bytes:
    """Encode one tile straight from PostGIS (empty bytes when there is nothing to draw)."""
    query = tile_query(layer, z, x, y)
    if query is None:
        return b""
    with connections[settings.SEARCH_DB].cursor() as cursor:
        cursor.execute(query.sql, query.params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] else b""
