"""Census-like quality indicators of the door-plate layer: where a 門牌清查 should look first."""

from __future__ import annotations

import geopandas as gpd

from geo_portal.analytics.layers import STORAGE_CRS, _read

OUTSIDE_VILLAGE_SQL = """
SELECT p.id, p.address, v.code AS village_code, v.name AS village, ST_Distance(p.geom, v.boundary) AS distance_m,
       (SELECT o.name FROM areas_village o WHERE ST_Intersects(o.boundary, p.geom) LIMIT 1) AS village_at_point, p.geom
FROM addresses_doorplate p JOIN areas_village v ON v.id = p.village_id
WHERE p.status = 'active' AND v.boundary IS NOT NULL AND NOT ST_Intersects(v.boundary, p.geom)
ORDER BY distance_m DESC, p.id"""

# Only where footprints were surveyed: inside the convex hull of the loaded buildings.
WITHOUT_BUILDING_SQL = """
WITH coverage AS (SELECT ST_ConvexHull(ST_Collect(geom)) AS g FROM buildings_building)
SELECT p.id, p.address, v.name AS village,
       (SELECT ST_Distance(b.geom, p.geom) FROM buildings_building b ORDER BY b.geom <-> p.geom LIMIT 1)
           AS nearest_building_m,
       p.geom
FROM addresses_doorplate p CROSS JOIN coverage LEFT JOIN areas_village v ON v.id = p.village_id
WHERE p.status = 'active' AND ST_Intersects(coverage.g, p.geom)
  AND NOT EXISTS (SELECT 1 FROM buildings_building b WHERE ST_Intersects(b.geom, p.geom))
ORDER BY nearest_building_m DESC, p.id"""

BUILDINGS_WITHOUT_PLATE_SQL = """
SELECT b.id, b.name, b.floors, b.source, b.source_id, ST_Area(b.geom) AS area_m2, b.geom
FROM buildings_building b
WHERE NOT EXISTS (SELECT 1 FROM buildings_platebuilding l WHERE l.building_id = b.id)
  AND NOT EXISTS (SELECT 1 FROM addresses_doorplate p WHERE p.status = 'active' AND ST_Intersects(b.geom, p.geom))
ORDER BY area_m2 DESC, b.id"""

# One point carrying plates of different entrances (street numbers), not just floors of one entrance.
DUPLICATE_POSITIONS_SQL = """
SELECT count(DISTINCT p.street_key) AS plates, count(DISTINCT (p.road_id, p.area, p.lane, p.alley, p.number,
       p.sub_number, p.number_suffix)) AS entrances, string_agg(DISTINCT p.street_key, '、') AS addresses,
       min(v.name) AS village, p.geom
FROM addresses_doorplate p LEFT JOIN areas_village v ON v.id = p.village_id
WHERE p.status = 'active'
GROUP BY p.geom
HAVING count(DISTINCT (p.road_id, p.area, p.lane, p.alley, p.number, p.sub_number, p.number_suffix)) > 1
ORDER BY entrances DESC, addresses"""

# Along each side (odd/even) of each road, lane and alley: consecutive existing numbers more than 2 apart.
NUMBERING_GAPS_SQL = """
WITH entrances AS (
    SELECT DISTINCT ON (p.road_id, p.area, p.lane, p.alley, p.number)
           p.road_id, p.area, p.lane, p.alley, p.number, p.village_id, p.geom
    FROM addresses_doorplate p
    WHERE p.status = 'active' AND p.number_prefix = ''
    ORDER BY p.road_id, p.area, p.lane, p.alley, p.number, p.sub_number NULLS FIRST, p.floor NULLS FIRST, p.id
),
sides AS (
    SELECT e.*, lead(e.number) OVER w AS next_number, lead(e.geom) OVER w AS next_geom
    FROM entrances e
    WINDOW w AS (PARTITION BY e.road_id, e.area, e.lane, e.alley, e.number %% 2 ORDER BY e.number)
)
SELECT coalesce(r.name, s.area) || CASE WHEN s.lane <> '' THEN s.lane || '巷' ELSE '' END
           || CASE WHEN s.alley <> '' THEN s.alley || '弄' ELSE '' END AS street, s.number AS before, s.next_number AS after,
       (s.next_number - s.number) / 2 - 1 AS missing, ST_Distance(s.geom, s.next_geom) AS gap_m,
       v.name AS village, ST_MakeLine(s.geom, s.next_geom) AS geom
FROM sides s LEFT JOIN areas_road r ON r.id = s.road_id LEFT JOIN areas_village v ON v.id = s.village_id
WHERE s.next_number - s.number > 2 AND s.next_number - s.number <= %(max_step)s
ORDER BY missing DESC, street, before"""


def plates_outside_village(*, crs: int = STORAGE_CRS) -> gpd.GeoDataFrame:
    """Active plates whose point lies outside the village they are registered in (distance to it, and where)."""
    return _read(OUTSIDE_VILLAGE_SQL, {}, crs)


def plates_without_building(*, crs: int = STORAGE_CRS) -> gpd.GeoDataFrame:
    """Active plates in no building footprint, within the area footprints cover (their convex hull)."""
    return _read(WITHOUT_BUILDING_SQL, {}, crs)


def buildings_without_plate(*, crs: int = STORAGE_CRS) -> gpd.GeoDataFrame:
    """Buildings with no linked plate and no plate inside: unregistered entrances or plates to add."""
    return _read(BUILDINGS_WITHOUT_PLATE_SQL, {}, crs)


def duplicate_positions(*, crs: int = STORAGE_CRS) -> gpd.GeoDataFrame:
    """Positions shared by plates of different entrances (a surveyed point copied, or a misplaced plate)."""
    return _read(DUPLICATE_POSITIONS_SQL, {}, crs)


def numbering_gaps(*, max_missing: int = 10, crs: int = STORAGE_CRS) -> gpd.GeoDataFrame:
    """Gaps in the numbering along each side of a road, lane or alley, as lines between the neighbours.

    ``missing`` numbers are absent between ``before`` and ``after`` on the same side; larger gaps than
    ``max_missing`` are usually undeveloped land rather than lost plates and are left out.
    """
    return _read(NUMBERING_GAPS_SQL, {"max_step": 2 * (max_missing + 1)}, crs)
