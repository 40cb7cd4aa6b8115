"""The findings export as a GeoPackage: one point layer ``census_findings`` in EPSG:3826 (TWD97 TM2, metres),
written by GDAL through pyogrio from Arrow arrays, like ``exports.writers.write_gpkg``.

Imported only by the export view when a GeoPackage is asked for (pyarrow and pyogrio are heavy: web processes
do not load them at start). Called by that view and tests.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyogrio

from geo_portal.census.office.selectors import EXPORT_COLUMNS
from geo_portal.core.geo import STORAGE_SRID

LAYER = "census_findings"
GEOMETRY = "geometry"
ARROW_TYPES = {"int64": pa.int64(), "text": pa.string(), "bool": pa.bool_(), "float64": pa.float64()}


def schema() -> pa.Schema:
    fields = [pa.field(name, ARROW_TYPES[kind]) for name, kind in EXPORT_COLUMNS]
    return pa.schema([*fields, pa.field(GEOMETRY, pa.binary())])


def write_findings_gpkg(rows: list[tuple], path: Path) -> None:
    """Write the export rows (``selectors.findings_export_rows``) to a new GeoPackage at ``path``."""
    chosen = schema()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in chosen]
    table = pa.table([pa.array(list(values), type=f.type) for values, f in zip(columns, chosen, strict=True)], schema=chosen)
    pyogrio.write_arrow(
        table,
        str(path),
        layer=LAYER,
        driver="GPKG",
        geometry_name=GEOMETRY,
        geometry_type="Point",
        crs=f"EPSG:{STORAGE_SRID}",
        dataset_options={"VERSION": "1.3"},  # 1.4 makes GDAL < 3.7 (QGIS on Debian 12) warn
        layer_options={"GEOMETRY_NAME": GEOMETRY},
    )
