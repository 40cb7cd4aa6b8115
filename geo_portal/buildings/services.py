"""Building write services: footprint import (all-or-nothing, chunked), then plate→building linking (``linking``).

``import_buildings`` reads GeoJSON, Shapefile, GeoPackage or CSV-with-WKT through pyogrio in chunks (memory
stays flat for millions of footprints), COPYs them into a staging table, makes them valid 2D MultiPolygons in
SQL and upserts on (source, source id). ``link_plates_to_buildings`` recomputes every active plate's building
in one statement: the footprint containing it, else the nearest one within a tolerance (KNN on the GiST index).
``link_changed_plates`` does the same for the plates a door-plate import added or moved (the job
``buildings.link_imported_plates`` runs it after each import).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyogrio
import shapely
from django.db import connection, transaction

from geo_portal.buildings.linking import DEFAULT_LINK_TOLERANCE_M, _link
from geo_portal.core.db import copy_rows
from geo_portal.core.geo import KNOWN_SRIDS, STORAGE_SRID
from geo_portal.ingest.errors import Finding, ImportRefused

CHUNK = 50_000

_STAGE = """
DROP TABLE IF EXISTS pg_temp.building_stage;
CREATE TEMP TABLE building_stage (
    feature integer, source_id text, name text, floors integer, height_m double precision, structure text, wkb text
) ON COMMIT DROP
"""
_DUPLICATES = """
SELECT feature, source_id, first FROM (
    SELECT feature, source_id, min(feature) OVER (PARTITION BY source_id) AS first FROM building_stage) t
WHERE feature <> first ORDER BY feature
"""
_PREPARE = """
DROP TABLE IF EXISTS pg_temp.building_ready;
CREATE TEMP TABLE building_ready ON COMMIT DROP AS
SELECT feature, source_id, name, floors, height_m, structure,
       ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), 3826)), 3)) AS geom
FROM building_stage WHERE feature <> ALL(%(skip)s)
"""
_EMPTY_AFTER_REPAIR = "SELECT feature, source_id FROM building_ready WHERE ST_IsEmpty(geom) ORDER BY feature"
_UPSERT = """
INSERT INTO buildings_building (geom, name, floors, height_m, structure, source, source_id, source_batch_id)
SELECT geom, name, floors, height_m, structure, %(source)s, source_id, NULL FROM building_ready
WHERE NOT ST_IsEmpty(geom)
ON CONFLICT ON CONSTRAINT building_source_id_uniq DO UPDATE SET
    geom = EXCLUDED.geom, name = EXCLUDED.name, floors = EXCLUDED.floors, height_m = EXCLUDED.height_m,
    structure = EXCLUDED.structure
WHERE (buildings_building.geom, buildings_building.name, buildings_building.floors, buildings_building.height_m,
       buildings_building.structure)
      IS DISTINCT FROM (EXCLUDED.geom, EXCLUDED.name, EXCLUDED.floors, EXCLUDED.height_m, EXCLUDED.structure)
RETURNING (xmax = 0) AS inserted
"""


@dataclass
class BuildingImportResult:
    counts: dict[str, int]
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class BuildingFields:
    """Which attributes of the source hold the id, name, floors, height and structure."""

    id: str
    name: str | None = None
    floors: str | None = None
    height: str | None = None
    structure: str | None = None


def _number(value, *, integer: bool) -> float | int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"must be a positive number: {value!r}")
    if integer:
        if number != int(number):
            raise ValueError(f"not a whole number: {value!r}")
        return int(number)
    return number


def _attribute(record: dict, name: str | None, feature: int, findings: list[Finding], *, integer: bool):
    """A positive number attribute, or None (with a warning naming the feature) when it is not one."""
    if not name:
        return None
    try:
        return _number(record.get(name), integer=integer)
    except ValueError as exc:
        findings.append(Finding(feature, name, str(record.get(name)), f"{exc}; stored as unknown", "warning"))
        return None


def _chunks(path: Path, *, layer: str | None, srid: int | None) -> Iterator[tuple[int, object]]:
    """Yield (offset, GeoDataFrame in EPSG:3826) chunks of the file."""
    try:
        info = pyogrio.read_info(path, layer=layer)
    except Exception as exc:  # GDAL's error types vary by driver; all mean "cannot open"
        raise ImportRefused(f"{path.name}: cannot be read as a vector layer ({exc})") from None
    total = info["features"]
    declared = info["crs"]
    if declared is None and srid is None:
        raise ImportRefused(f"{path.name}: the file does not say its coordinate system; pass --srid")
    for offset in range(0, max(total, 0), CHUNK):
        frame = pyogrio.read_dataframe(path, layer=layer, skip_features=offset, max_features=CHUNK)
        if frame.crs is None:
            frame = frame.set_crs(srid)
        if frame.crs.to_epsg() not in KNOWN_SRIDS:
            raise ImportRefused(f"{path.name}: coordinate system {frame.crs.name} is not supported")
        yield offset, frame.to_crs(STORAGE_SRID)


def _stage_rows(
    path: Path,
    fields: BuildingFields,
    *,
    layer: str | None,
    srid: int | None,
    findings: list[Finding],
    progress: Callable[[int], None] | None,
) -> Iterator[tuple]:
    for offset, frame in _chunks(path, layer=layer, srid=srid):
        missing = [
            f
            for f in (fields.id, fields.name, fields.floors, fields.height, fields.structure)
            if f and f not in frame.columns
        ]
        if missing:
            raise ImportRefused(
                f"{path.name}: no field(s) {', '.join(missing)}; fields are "
                f"{', '.join(c for c in frame.columns if c != 'geometry')}"
            )
        geoms = shapely.force_2d(frame.geometry.values)
        records = frame.drop(columns="geometry").to_dict("records")
        for n, (record, geom) in enumerate(zip(records, geoms, strict=True), start=offset + 1):
            ident = str(record[fields.id]).strip() if record[fields.id] is not None else ""
            if not ident or ident == "nan":
                findings.append(Finding(n, fields.id, "", "missing id"))
                continue
            if geom is None or geom.is_empty:
                findings.append(Finding(n, "geometry", ident, "empty geometry"))
                continue
            if geom.geom_type not in ("Polygon", "MultiPolygon"):
                findings.append(Finding(n, "geometry", ident, f"{geom.geom_type} is not a polygon"))
                continue
            floors = _attribute(record, fields.floors, n, findings, integer=True)
            height = _attribute(record, fields.height, n, findings, integer=False)
            name = str(record.get(fields.name) or "")[:120] if fields.name else ""
            structure = str(record.get(fields.structure) or "")[:20] if fields.structure else ""
            yield n, ident[:60], "" if name == "nan" else name, floors, height, structure, shapely.to_wkb(geom, hex=True)
        if progress:
            progress(len(frame))


def import_buildings(
    *,
    path: Path,
    source: str,
    fields: BuildingFields,
    layer: str | None = None,
    srid: int | None = None,
    link_tolerance_m: float = DEFAULT_LINK_TOLERANCE_M,
    progress: Callable[[int], None] | None = None,
) -> BuildingImportResult:
    """Import footprints all-or-nothing, then relink plates. Raises ``ImportRefused`` (nothing changed)."""
    if not path.is_file():
        raise ImportRefused(f"{path}: no such file")
    if not source or len(source) > 40:
        raise ImportRefused("--source must be a short name (1–40 characters), e.g. osm or nlsc")
    if srid is not None and srid not in KNOWN_SRIDS:
        raise ImportRefused(f"--srid {srid} is not supported")
    findings: list[Finding] = []
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(_STAGE)
        staged = copy_rows(
            "building_stage",
            ("feature", "source_id", "name", "floors", "height_m", "structure", "wkb"),
            _stage_rows(path, fields, layer=layer, srid=srid, findings=findings, progress=progress),
        )
        cur.execute(_DUPLICATES)
        dupes = cur.fetchall()
        findings.extend(
            Finding(n, fields.id, ident, f"duplicate id (first at feature {first})") for n, ident, first in dupes
        )
        cur.execute(_PREPARE, {"skip": [n for n, _, _ in dupes]})
        cur.execute(_EMPTY_AFTER_REPAIR)
        findings.extend(
            Finding(n, "geometry", ident, "no polygon left after repair (ST_MakeValid)") for n, ident in cur.fetchall()
        )
        cur.execute(_UPSERT, {"source": source})
        results = [row[0] for row in cur.fetchall()]
        cur.execute("ANALYZE buildings_building")
        links = _link(cur, link_tolerance_m)
    counts = {
        "staged": staged,
        "inserted": sum(results),
        "updated": len(results) - sum(results),
        "rejected": sum(f.level == "rejected" for f in findings),
        **links,
    }
    return BuildingImportResult(counts, findings)
