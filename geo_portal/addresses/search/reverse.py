"""Reverse lookup: a point → the nearest active plates (KNN on the GiST index), with the village and building
there. Public through ``addresses.search``; one prepared statement for the plates, one for the area."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connections

from geo_portal.addresses.search import sql as search_sql
from geo_portal.addresses.search.english import english_from_parts, english_place
from geo_portal.addresses.search.gazetteer import gazetteer
from geo_portal.addresses.search.lookup import zip_partial_named
from geo_portal.addresses.search.results import MAX_LIMIT, ReverseResult, plate_hit
from geo_portal.core.geo import point_in_taiwan_wgs84, to_storage

MAX_REVERSE_RADIUS_M = 2_000
REVERSE_CANDIDATES = 60


def reverse(point: Point, *, radius_m: float = 100, limit: int = 5) -> ReverseResult:
    """Nearest active plates within ``radius_m`` (KNN on the GiST index), plus the village and building there."""
    point_in_taiwan_wgs84(point)
    if not 0 < radius_m <= MAX_REVERSE_RADIUS_M:
        raise ValueError(f"radius must be between 0 and {MAX_REVERSE_RADIUS_M} m")
    p = to_storage(point)
    where = {"x": p.x, "y": p.y}
    with connections[settings.SEARCH_DB].cursor() as cur:
        # KNN on the GiST index for a small candidate set, then a deterministic order (distance, entrance first,
        # key): floor units share their entrance's point, so ties are common.
        cur.execute(
            search_sql.NEAREST_PLATES,
            {**where, "radius": radius_m, "candidates": REVERSE_CANDIDATES, "limit": max(1, min(limit, MAX_LIMIT))},
        )
        rows = cur.fetchall()
        cur.execute(search_sql.AREA_AT_POINT, where)
        village_name, village_code, building = cur.fetchone()
    hits = []
    for (
        pk,
        address,
        zip_code,
        prefix,
        number,
        sub,
        suffix,
        floor,
        floor_sub,
        lane,
        alley,
        area,
        x,
        y,
        distance,
        village,
        hood,
        road,
        road_en,
        road_en_source,
        district,
        district_en,
        county,
        county_en,
        building_id,
    ) in rows:
        hits.append(
            plate_hit(
                plate_id=pk,
                address=address,
                x=x,
                y=y,
                address_en=english_from_parts(
                    number_prefix=prefix,
                    number=number,
                    sub_number=sub,
                    number_suffix=suffix,
                    floor=floor,
                    floor_sub=floor_sub,
                    lane=lane,
                    alley=alley,
                    place=english_place((road_en or road) if road else "", area),
                    district=district_en or district,
                    county=county_en or county,
                ),
                address_en_is_pinyin=road_en_source == "pinyin",
                zip_code=zip_code,
                village=village or "",
                neighborhood=hood,
                building_id=building_id,
                distance_m=distance,
                zip_code_partial="" if zip_code else zip_partial_named(gazetteer(), county, district, road or area),
            )
        )
    return ReverseResult(hits, village_name or "", village_code or "", building)
