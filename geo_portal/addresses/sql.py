"""SQL for the door-plate import: staging tables, set-based checks and the one merge.

Parameters only; no identifier comes from input. Called by ``services.import_doorplates`` inside its
transaction; temporary tables are dropped at commit or rollback.
"""

from __future__ import annotations

from geo_portal.core.geo import TAIWAN_BOUNDS_WGS84

CREATE_STAGE = """
DROP TABLE IF EXISTS pg_temp.doorplate_stage;
CREATE TEMP TABLE doorplate_stage (
    row_no integer NOT NULL, district_id bigint NOT NULL, village_id bigint, hood integer,
    road_name text NOT NULL, road_base text NOT NULL, section integer, area text NOT NULL, lane text NOT NULL,
    alley text NOT NULL, number_prefix text NOT NULL, number integer NOT NULL, sub_number integer,
    number_suffix integer, floor integer, floor_unit text NOT NULL, floor_sub integer, street_key text COLLATE "C" NOT NULL,
    raw_road text NOT NULL,
    x double precision NOT NULL, y double precision NOT NULL
) ON COMMIT DROP;
DROP TABLE IF EXISTS pg_temp.doorplate_protected;
CREATE TEMP TABLE doorplate_protected (district_id bigint, address_key text) ON COMMIT DROP;
"""

# Coordinates → WGS84 (for the Taiwan check) and storage SRID; out-of-Taiwan points get no geometry. One pass:
# transforming to the file's own SRID is free in PostGIS, so each row costs one real transform.
CREATE_WORK = f"""
DROP TABLE IF EXISTS pg_temp.doorplate_work;
CREATE TEMP TABLE doorplate_work ON COMMIT DROP AS
SELECT s.*, (s.street_key || '#' || coalesce(s.hood::text, '')) COLLATE "C" AS address_key, t.lonlat,
       CASE WHEN ST_X(t.lonlat) BETWEEN {TAIWAN_BOUNDS_WGS84[0]} AND {TAIWAN_BOUNDS_WGS84[2]}
             AND ST_Y(t.lonlat) BETWEEN {TAIWAN_BOUNDS_WGS84[1]} AND {TAIWAN_BOUNDS_WGS84[3]}
            THEN ST_Transform(p.point, 3826)::geometry(Point, 3826) END AS geom  -- from the source, no round trip
FROM doorplate_stage s
CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(s.x, s.y), %(srid)s) AS point) p
CROSS JOIN LATERAL (SELECT ST_Transform(p.point, 4326) AS lonlat) t;
"""

OUTSIDE_TAIWAN = """
SELECT row_no, round(ST_X(lonlat)::numeric, 6)::text || ',' || round(ST_Y(lonlat)::numeric, 6)::text
FROM doorplate_work WHERE geom IS NULL ORDER BY row_no
"""

DUPLICATES = """
SELECT row_no, first_row, street_key, hood FROM (
    SELECT row_no, street_key, hood, min(row_no) OVER (PARTITION BY district_id, address_key) AS first_row
    FROM doorplate_work WHERE geom IS NOT NULL
) t WHERE row_no <> first_row ORDER BY row_no
"""

PROTECT_REJECTED = """
INSERT INTO doorplate_protected (district_id, address_key)
SELECT district_id, address_key FROM doorplate_work WHERE row_no = ANY(%(rows)s)
"""

DELETE_ROWS = "DELETE FROM doorplate_work WHERE row_no = ANY(%(rows)s)"

# Rows with no village get the village polygon that covers them (when boundaries are loaded).
ASSIGN_VILLAGES = """
UPDATE doorplate_work w SET village_id = v.id
FROM areas_village v
WHERE w.village_id IS NULL AND v.district_id = w.district_id AND v.boundary IS NOT NULL
  AND ST_Covers(v.boundary, w.geom)
"""

OUTSIDE_VILLAGE = """
SELECT w.row_no, v.name FROM doorplate_work w JOIN areas_village v ON v.id = w.village_id
WHERE v.boundary IS NOT NULL AND NOT ST_Covers(v.boundary, w.geom) ORDER BY w.row_no
"""

INSERT_ROADS = """
INSERT INTO areas_road (district_id, name, base_name, section, name_en)
SELECT DISTINCT district_id, road_name, road_base, section, '' FROM doorplate_work WHERE road_name <> ''
ON CONFLICT ON CONSTRAINT road_district_name_uniq DO NOTHING
"""

# Variant spellings are read from every staged row: a row rejected as a duplicate still shows how people write it.
INSERT_ROAD_VARIANTS = """
INSERT INTO areas_roadalias (road_id, alias, kind)
SELECT DISTINCT r.id, w.raw_road, 'variant' FROM doorplate_stage w
JOIN areas_road r ON r.district_id = w.district_id AND r.name = w.road_name
WHERE w.raw_road <> ''
ON CONFLICT ON CONSTRAINT roadalias_road_alias_uniq DO NOTHING
"""

INSERT_NEIGHBORHOODS = """
INSERT INTO areas_neighborhood (village_id, number)
SELECT DISTINCT village_id, hood FROM doorplate_work WHERE village_id IS NOT NULL AND hood IS NOT NULL
ON CONFLICT ON CONSTRAINT neighborhood_village_number_uniq DO NOTHING
"""

CREATE_INCOMING = """
DROP TABLE IF EXISTS pg_temp.doorplate_incoming;
CREATE TEMP TABLE doorplate_incoming ON COMMIT DROP AS
SELECT w.*, r.id AS road_id, n.id AS neighborhood_id, c.name || d.name || w.street_key AS address
FROM doorplate_work w
JOIN areas_district d ON d.id = w.district_id
JOIN areas_county c ON c.id = d.county_id
LEFT JOIN areas_road r ON r.district_id = w.district_id AND r.name = w.road_name
LEFT JOIN areas_neighborhood n ON n.village_id = w.village_id AND n.number = w.hood
"""

ACTIVE_IN_SCOPE = """
SELECT count(*) FROM addresses_doorplate
WHERE status = 'active' AND district_id IN (SELECT DISTINCT district_id FROM doorplate_stage)
"""

_TO_RETIRE = """
FROM addresses_doorplate p
WHERE p.status = 'active' AND p.district_id IN (SELECT DISTINCT district_id FROM doorplate_stage)
  AND NOT EXISTS (SELECT 1 FROM doorplate_incoming i WHERE i.district_id = p.district_id AND i.address_key = p.address_key)
  AND NOT EXISTS (SELECT 1 FROM doorplate_protected k WHERE k.district_id = p.district_id AND k.address_key = p.address_key)
"""
COUNT_TO_RETIRE = "SELECT count(*) " + _TO_RETIRE
RETIRE = (
    "UPDATE addresses_doorplate SET status = 'retired', retired_on = %(today)s, retired_reason = %(reason)s, "
    "updated_at = now() WHERE id IN (SELECT p.id " + _TO_RETIRE + ")"
)

UPDATE_CHANGED = """
UPDATE addresses_doorplate p SET
    village_id = i.village_id, neighborhood_id = i.neighborhood_id, road_id = i.road_id, area = i.area,
    street_key = i.street_key, address = i.address, geom = i.geom, source_batch_id = %(batch)s, updated_at = now()
FROM doorplate_incoming i
WHERE p.status = 'active' AND p.district_id = i.district_id AND p.address_key = i.address_key
  AND (p.geom IS DISTINCT FROM i.geom OR p.village_id IS DISTINCT FROM i.village_id
       OR p.neighborhood_id IS DISTINCT FROM i.neighborhood_id OR p.road_id IS DISTINCT FROM i.road_id
       OR p.address IS DISTINCT FROM i.address)
"""

INSERT_ADDED = """
INSERT INTO addresses_doorplate (
    district_id, village_id, neighborhood_id, road_id, area, lane, alley, number_prefix, number, sub_number,
    number_suffix, floor, floor_unit, floor_sub, street_key, address_key, address, geom, status, retired_reason,
    condition,
    source_batch_id, created_at, updated_at)
SELECT i.district_id, i.village_id, i.neighborhood_id, i.road_id, i.area, i.lane, i.alley, i.number_prefix,
       i.number, i.sub_number, i.number_suffix, i.floor, i.floor_unit, i.floor_sub, i.street_key, i.address_key, i.address,
       i.geom, 'active', '', 'unknown', %(batch)s, now(), now()
FROM doorplate_incoming i
WHERE NOT EXISTS (SELECT 1 FROM addresses_doorplate p
                  WHERE p.status = 'active' AND p.district_id = i.district_id AND p.address_key = i.address_key)
ORDER BY i.row_no
"""

COUNT_INCOMING = "SELECT count(*) FROM doorplate_incoming"
# Statistics only for the merge's join keys: geometry statistics would cost more than the whole join.
ANALYZE_INCOMING = "ANALYZE doorplate_incoming (district_id, address_key)"

COUNT_TO_ADD = """
SELECT count(*) FROM doorplate_incoming i
WHERE NOT EXISTS (SELECT 1 FROM addresses_doorplate p
                  WHERE p.status = 'active' AND p.district_id = i.district_id AND p.address_key = i.address_key)
"""
TABLE_ROWS = "SELECT count(*) FROM addresses_doorplate"
