"""The exportable layers (door plates, buildings, villages) as SQL over public fields, and the export options.

Each layer is one ordered query with a typed column list; the writers (``exports.writers``) choose how the geometry
is encoded (WKB, WKT or GeoJSON, transformed to the output SRID in PostGIS) and read it in chunks. Only public
fields are selected: nothing about households, persons or the contacts of citizen reports. Village figures are read
from ``areas_village_stats_public_v``, where areas applies the small-numbers rule (``core.privacy``).

Called by ``exports.writers``, ``exports.views`` (API) and the ``export_layer`` command.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo_portal.addresses.public import PUBLIC_PLATE_COLUMNS, PUBLIC_PLATES_SELECT
from geo_portal.core.geo import STORAGE_SRID, WGS84_SRID

SRIDS = (STORAGE_SRID, WGS84_SRID)
# Decimal places of coordinates written as text (CSV WKT, GeoJSON): 1 mm in TWD97 metres, ~1 mm in degrees.
TEXT_DIGITS = {STORAGE_SRID: 3, WGS84_SRID: 8}


@dataclass(frozen=True)
class Column:
    """An attribute column and its type: int64, int32, float64, text, date or bool."""

    name: str
    kind: str


@dataclass(frozen=True)
class Layer:
    """One exportable layer. ``sql`` has a ``{geometry}`` slot for the encoded geometry, filled by ``layer_sql``."""

    name: str
    geometry_type: str
    geometry_column: str
    columns: tuple[Column, ...]
    sql: str
    count_sql: str


@dataclass(frozen=True)
class Format:
    """An output format: file extension, HTTP content type, whether it can be written to a pipe."""

    name: str
    extension: str
    content_type: str
    streamable: bool


def _columns(spec: str) -> tuple[Column, ...]:
    """``"id:int64 name:text"`` → columns."""
    return tuple(Column(*item.split(":")) for item in spec.split())


PLATES = Layer(
    name="plates",
    geometry_type="Point",
    geometry_column="p.geom",
    columns=_columns(PUBLIC_PLATE_COLUMNS),
    sql=PUBLIC_PLATES_SELECT + "\nWHERE p.status = 'active'\nORDER BY p.id",
    count_sql="SELECT count(*) FROM addresses_doorplate WHERE status = 'active'",
)

BUILDINGS = Layer(
    name="buildings",
    geometry_type="MultiPolygon",
    geometry_column="b.geom",
    columns=_columns("id:int64 name:text floors:int32 height_m:float64 structure:text source:text source_id:text"),
    sql="""
SELECT b.id, b.name, b.floors, b.height_m, b.structure, b.source, b.source_id, {geometry}
FROM buildings_building b
ORDER BY b.id""",
    count_sql="SELECT count(*) FROM buildings_building",
)

# The latest month of statistics; a village without figures for it gets NULLs. Figures come from the read view
# ``areas_village_stats_public_v``, which withholds small villages' figures (NULL, ``suppressed`` true), so no
# format can leak them; ``suppressed`` tells a withheld figure from a missing one. The area is measured in TWD97
# metres whatever the output SRID.
VILLAGES = Layer(
    name="villages",
    geometry_type="MultiPolygon",
    geometry_column="v.boundary",
    columns=_columns(
        "code:text name:text name_en:text district_code:text area_km2:float64 plates:int64 month:date "
        "households:int32 population:int32 male:int32 female:int32 suppressed:bool"
    ),
    sql="""
SELECT v.code, v.name, v.name_en, d.code, round((ST_Area(v.boundary) / 1e6)::numeric, 6)::float8,
       coalesce(pc.plates, 0), s.month, s.households, s.population, s.male, s.female, coalesce(s.suppressed, false),
       {geometry}
FROM areas_village v
JOIN areas_district d ON d.id = v.district_id
LEFT JOIN (SELECT village_id, count(*) AS plates FROM addresses_doorplate
           WHERE status = 'active' GROUP BY village_id) pc ON pc.village_id = v.id
LEFT JOIN areas_village_stats_public_v s
       ON s.village_id = v.id AND s.month = (SELECT max(month) FROM areas_village_stats_public_v)
WHERE v.boundary IS NOT NULL
ORDER BY v.code""",
    count_sql="SELECT count(*) FROM areas_village WHERE boundary IS NOT NULL",
)

LAYERS = {layer.name: layer for layer in (PLATES, BUILDINGS, VILLAGES)}

FORMATS = {
    f.name: f
    for f in (
        Format("csv", "csv", "text/csv; charset=utf-8", streamable=True),
        Format("geojson", "geojson", "application/geo+json", streamable=True),
        Format("gpkg", "gpkg", "application/geopackage+sqlite3", streamable=False),
        Format("parquet", "parquet", "application/vnd.apache.parquet", streamable=False),
    )
}

# How the writers receive the geometry; the SRID and digits are query parameters.
GEOMETRY_ENCODINGS = {
    "wkb": "ST_AsBinary(ST_Transform({column}, %(srid)s))",
    "wkt": "ST_AsText(ST_Transform({column}, %(srid)s), %(digits)s)",
    "geojson": "ST_AsGeoJSON(ST_Transform({column}, %(srid)s), %(digits)s, 0)",  # 0: no "crs" in each geometry
}


def layer_sql(layer: Layer, encoding: str) -> str:
    """The layer's query with its geometry as the last column in ``encoding`` (wkb, wkt or geojson)."""
    return layer.sql.format(geometry=GEOMETRY_ENCODINGS[encoding].format(column=layer.geometry_column))


def sql_params(srid: int) -> dict[str, int]:
    return {"srid": srid, "digits": TEXT_DIGITS[srid]}


def parse_srid(value: str | int | None) -> int:
    """3826 (the default) or 4326; ValueError with the reason otherwise."""
    if value is None or value == "":
        return STORAGE_SRID
    try:
        srid = int(value)
    except (TypeError, ValueError):
        srid = None
    if srid not in SRIDS:
        raise ValueError(f"unknown srid {value!r}; use 3826 (TWD97 TM2, metres) or 4326 (WGS84 lon/lat)")
    return srid


def request_problems(*, layer: str, fmt: str, srid: str | int | None) -> dict[str, list[str]]:
    """What is wrong with an export request, by field (``layer``, ``format``, ``srid``); empty when it is fine."""
    problems: dict[str, list[str]] = {}
    if layer not in LAYERS:
        problems["layer"] = [f"unknown layer {layer!r}; use one of {', '.join(LAYERS)}"]
    if fmt not in FORMATS:
        problems["format"] = [f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}"]
    try:
        parse_srid(srid)
    except ValueError as exc:
        problems["srid"] = [str(exc)]
    return problems
