"""Door-plate CSV layouts (presets), the staging-table columns, and the area index loaded from the database.

Called by ``services.import_doorplates``. The row work itself (parsing, per-row checks, parallel workers) is in
``staging``, which imports no Django; set-based checks (coordinates in Taiwan, duplicates, plate outside its
village polygon) run in SQL on the staging table (``sql.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from geo_portal.addresses.imports.staging import (
    FIELDS,
    AreaIndex,
    Mapping,
    stage_rows,
    stage_rows_parallel,
)
from geo_portal.areas.models import District, Village
from geo_portal.ingest.errors import ImportRefused

__all__ = [
    "FIELDS",
    "PRESETS",
    "STAGE_COLUMNS",
    "AreaIndex",
    "Mapping",
    "load_area_index",
    "stage_rows",
    "stage_rows_parallel",
]


@dataclass(frozen=True)
class Preset:
    """A named CSV layout: logical field → column name, plus the SRID the file is known to use."""

    name: str
    columns: dict[str, str]
    srid: int | None
    description: str


PRESETS = {
    "tw-address-data": Preset(
        name="tw-address-data",
        columns={"address": "FULL_ADDR", "x": "X", "y": "Y", "village_code": "VILLAGE", "neighborhood": "NEIGHBORHOOD"},
        srid=4326,
        description="data.gov.tw 門牌位置 as published by taiwan-address-data: WGS84 lon/lat, parsed columns",
    ),
    "geo-portal": Preset(
        name="geo-portal",
        columns={"address": "address", "x": "x", "y": "y", "village_code": "village_code", "neighborhood": "neighborhood"},
        srid=None,
        description="geo_portal's own layout (generate_demo); --srid says the coordinate system",
    ),
}

STAGE_COLUMNS = (
    "row_no",
    "district_id",
    "village_id",
    "hood",
    "road_name",
    "road_base",
    "section",
    "area",
    "lane",
    "alley",
    "number_prefix",
    "number",
    "sub_number",
    "number_suffix",
    "floor",
    "floor_unit",
    "floor_sub",
    "street_key",
    "raw_road",
    "x",
    "y",
    "line_hash",
)


def load_area_index(default_district_code: str | None) -> AreaIndex:
    """Districts and villages from the database, for ``staging`` (plain dictionaries, picklable)."""
    default = None
    if default_district_code:
        default = District.objects.filter(code=default_district_code).first()
        if default is None:
            raise ImportRefused(f"--district {default_district_code}: no such district; load the village table first")
    index = AreaIndex(default.pk if default else None)
    for d in District.objects.select_related("county"):
        index.by_names[(d.county.name, d.name)] = d.pk
        index.by_district_name.setdefault(d.name, []).append(d.pk)
        index.district_codes[d.code] = d.pk
    for v in Village.objects.all():
        index.add_village(v.pk, v.district_id, v.code, v.name)
    if not index.district_codes:
        raise ImportRefused("no districts are loaded; run load_villages first")
    return index
