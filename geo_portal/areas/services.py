"""Area write services: the MOI village table, district/village boundaries, English road names.

Called by the ``load_villages``, ``load_boundaries`` and ``import_road_names`` commands and by ``demo_setup``.
Each runs in one transaction: a refused file changes nothing. Boundaries are read with pyogrio (GeoJSON,
Shapefile, GeoPackage), transformed to EPSG:3826, forced to 2D, made valid and stored as MultiPolygons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyogrio
import shapely
from django.db import connection, transaction

from geo_portal.areas.models import County, District, Road, Village
from geo_portal.areas.romanize import road_english
from geo_portal.core.db import copy_rows
from geo_portal.core.geo import KNOWN_SRIDS, STORAGE_SRID
from geo_portal.ingest.csvio import read_csv
from geo_portal.ingest.errors import Finding, ImportRefused

# MOI English names of the counties and cities (used when the village table has none).
COUNTY_EN = {
    "臺北市": "Taipei City",
    "新北市": "New Taipei City",
    "桃園市": "Taoyuan City",
    "臺中市": "Taichung City",
    "臺南市": "Tainan City",
    "高雄市": "Kaohsiung City",
    "基隆市": "Keelung City",
    "新竹市": "Hsinchu City",
    "嘉義市": "Chiayi City",
    "新竹縣": "Hsinchu County",
    "苗栗縣": "Miaoli County",
    "彰化縣": "Changhua County",
    "南投縣": "Nantou County",
    "雲林縣": "Yunlin County",
    "嘉義縣": "Chiayi County",
    "屏東縣": "Pingtung County",
    "宜蘭縣": "Yilan County",
    "花蓮縣": "Hualien County",
    "臺東縣": "Taitung County",
    "澎湖縣": "Penghu County",
    "金門縣": "Kinmen County",
    "連江縣": "Lienchiang County",
}
# Districts named by direction have translated English names (東區 = East Dist.).
DIRECTIONAL_DISTRICT_EN = {
    "東區": "East Dist.",
    "西區": "West Dist.",
    "南區": "South Dist.",
    "北區": "North Dist.",
    "中區": "Central Dist.",
    "中西區": "West Central Dist.",
}

VILLAGE_TABLE_COLUMNS = ("VILLCODE", "COUNTYNAME", "TOWNNAME", "VILLNAME", "VILLENG", "COUNTYCODE", "TOWNCODE")
_VILLCODE = re.compile(r"^\d{11}$")
_TOWNCODE = re.compile(r"^\d{8}$")
_COUNTYCODE = re.compile(r"^\d{5}$")


@dataclass
class LoadResult:
    counts: dict[str, int]
    findings: list[Finding] = field(default_factory=list)


@transaction.atomic
def load_village_table(*, path: Path, encoding: str = "utf-8") -> LoadResult:
    """Create or update counties, districts and villages from the MOI/NLSC village attribute table (CSV).

    Rows without a village name (the S01 pseudo-areas) are skipped and reported.
    """
    header, rows = read_csv(path, encoding=encoding, required=VILLAGE_TABLE_COLUMNS)
    col = {name: header.index(name) for name in VILLAGE_TABLE_COLUMNS}
    findings: list[Finding] = []
    counts = {"counties": 0, "districts": 0, "villages_created": 0, "villages_updated": 0, "skipped": 0}
    for line_no, fields in rows:
        get = {name: fields[i].strip() if i < len(fields) else "" for name, i in col.items()}
        problem = (
            ("VILLCODE", "not an 11-digit village code")
            if not _VILLCODE.match(get["VILLCODE"])
            else ("TOWNCODE", "not an 8-digit town code")
            if not _TOWNCODE.match(get["TOWNCODE"])
            else ("COUNTYCODE", "not a 5-digit county code")
            if not _COUNTYCODE.match(get["COUNTYCODE"])
            else ("VILLCODE", "does not start with its TOWNCODE")
            if not get["VILLCODE"].startswith(get["TOWNCODE"])
            else ("VILLNAME", "empty (pseudo-area without a village)")
            if not get["VILLNAME"]
            else None
        )
        if problem:
            findings.append(Finding(line_no, problem[0], get[problem[0]], problem[1], "skipped"))
            counts["skipped"] += 1
            continue
        county_name = get["COUNTYNAME"].replace("台", "臺")
        county, created = County.objects.get_or_create(
            code=get["COUNTYCODE"], defaults={"name": county_name, "name_en": COUNTY_EN.get(county_name, "")}
        )
        counts["counties"] += created
        town_name = get["TOWNNAME"]
        district, created = District.objects.get_or_create(
            code=get["TOWNCODE"],
            defaults={
                "county": county,
                "name": town_name,
                "name_en": DIRECTIONAL_DISTRICT_EN.get(town_name, ""),
                # The household-registration code drops the 0 before the district number: 10018010 → 1001801.
                "registry_code": get["TOWNCODE"][:7],
            },
        )
        counts["districts"] += created
        _, created = Village.objects.update_or_create(
            code=get["VILLCODE"],
            defaults={"district": district, "name": get["VILLNAME"].replace("台", "臺"), "name_en": get["VILLENG"]},
        )
        counts["villages_created" if created else "villages_updated"] += 1
    return LoadResult(counts, findings)


def _read_layer(path: Path, *, layer: str | None, srid: int | None):
    if not path.is_file():
        raise ImportRefused(f"{path}: no such file")
    try:
        frame = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:  # pyogrio raises several GDAL error types; all mean "cannot read this file"
        raise ImportRefused(f"{path.name}: cannot be read as a vector layer ({exc})") from None
    if frame.crs is None:
        if srid is None:
            raise ImportRefused(f"{path.name}: the file does not say its coordinate system; pass --srid")
        frame = frame.set_crs(srid)
    elif srid is not None and frame.crs.to_epsg() != srid:
        raise ImportRefused(f"{path.name}: the file says EPSG:{frame.crs.to_epsg()} but --srid {srid} was given")
    epsg = frame.crs.to_epsg()
    if epsg not in KNOWN_SRIDS:
        raise ImportRefused(f"{path.name}: coordinate system {frame.crs.name} is not supported")
    return frame.to_crs(STORAGE_SRID)


def polygon_rows(frame, id_field: str, findings: list[Finding]):
    """(id, 2D WKB) for every feature with a non-empty geometry; others become findings."""
    if id_field not in frame.columns:
        raise ImportRefused(f"no field {id_field!r}; fields are {', '.join(c for c in frame.columns if c != 'geometry')}")
    geoms = shapely.force_2d(frame.geometry.values)
    for n, (ident, geom) in enumerate(zip(frame[id_field].astype(str), geoms, strict=True), start=1):
        if geom is None or geom.is_empty:
            findings.append(Finding(n, "geometry", ident, "empty geometry"))
        elif geom.geom_type not in ("Polygon", "MultiPolygon"):
            findings.append(Finding(n, "geometry", ident, f"{geom.geom_type} is not a polygon"))
        else:
            yield n, ident, shapely.to_wkb(geom, hex=True)


_BOUNDARY_STAGE = """
DROP TABLE IF EXISTS pg_temp.boundary_stage;
CREATE TEMP TABLE boundary_stage (feature integer, code text, wkb text) ON COMMIT DROP
"""
# ST_MakeValid can return a GeometryCollection; keep its polygons (type 3) and force MultiPolygon.
_BOUNDARY_UPDATE = """
UPDATE {table} a SET boundary = g.geom, boundary_source = %(source)s
FROM (SELECT code,
             ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), 3826)), 3)) AS geom
      FROM boundary_stage) g
WHERE a.code = g.code AND NOT ST_IsEmpty(g.geom)
"""
_BOUNDARY_UNKNOWN = """
SELECT feature, code FROM boundary_stage s
WHERE NOT EXISTS (SELECT 1 FROM {table} a WHERE a.code = s.code) ORDER BY feature
"""


@transaction.atomic
def load_boundaries(
    *, path: Path, level: str, code_field: str, layer: str | None = None, srid: int | None = None
) -> LoadResult:
    """Set district or village boundaries from a vector file; features are matched by MOI code."""
    table = {"district": "areas_district", "village": "areas_village"}.get(level)
    if table is None:
        raise ImportRefused(f"unknown level {level!r}; use district or village")
    frame = _read_layer(path, layer=layer, srid=srid)
    findings: list[Finding] = []
    with connection.cursor() as cur:
        cur.execute(_BOUNDARY_STAGE)
        staged = copy_rows("boundary_stage", ("feature", "code", "wkb"), polygon_rows(frame, code_field, findings))
        cur.execute(_BOUNDARY_UNKNOWN.format(table=table))
        findings.extend(Finding(n, code_field, code, f"no {level} with this code is loaded") for n, code in cur.fetchall())
        cur.execute(_BOUNDARY_UPDATE.format(table=table), {"source": path.name[:200]})
        updated = cur.rowcount
    return LoadResult({"features": len(frame), "staged": staged, "updated": updated, "rejected": len(findings)}, findings)


_SECTION_EN = re.compile(r"^(?P<base>.+?)(?P<section>[一二三四五六七八九十]+)段$")


@transaction.atomic
def import_road_names(*, path: Path, encoding: str = "utf-8") -> LoadResult:
    """Fill ``Road.name_en`` from a Chinese→English road-name table (two columns, no header: zh, en).

    English follows the MOI form: 光復路二段 → "Sec. 2, Guangfu Rd.".
    """
    if not path.is_file():
        raise ImportRefused(f"{path}: no such file")
    table: dict[str, str] = {}
    header, rows = read_csv(path, encoding=encoding)
    for _, fields in [(1, header), *rows]:
        if len(fields) >= 2 and fields[0].strip() and fields[1].strip():
            table.setdefault(fields[0].strip().replace("台", "臺"), fields[1].strip())
    updated, missing = 0, []
    for road in Road.objects.all():
        english = table.get(road.base_name)
        source = "table"
        if not english:
            # Not in the official table: Hanyu Pinyin in the MOI style, recorded as such.
            english, source = road_english(road.base_name), "pinyin"
            missing.append(road.name)
        name_en = f"Sec. {road.section}, {english}" if road.section else english
        if (road.name_en, road.name_en_source) != (name_en, source):
            road.name_en, road.name_en_source = name_en, source
            road.save(update_fields=["name_en", "name_en_source"])
            updated += 1
    findings = [
        Finding(0, "road", name, "not in the table; English name is a Hanyu Pinyin fallback", "warning")
        for name in sorted(missing)
    ]
    return LoadResult({"table_rows": len(table), "updated": updated, "pinyin": len(missing)}, findings)
