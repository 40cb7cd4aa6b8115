"""Statements of the directory pages (active plates only; public fields only).

Numbers are counted per entrance (a house number with its 之 parts, whatever its floors), the ranges per side by
parity, as people read a street: odd numbers on one side, even on the other.
"""

# One row per part of the road: the road itself (lane = alley = ''), each lane and each alley, per named area on the
# road (清大東院 on 光復路二段). Entrances are distinct (prefix, number, 之, 號之) of the part.
ROAD_PARTS = """
SELECT p.area, p.lane, p.alley,
       min(p.number) FILTER (WHERE mod(p.number, 2) = 1), max(p.number) FILTER (WHERE mod(p.number, 2) = 1),
       count(DISTINCT (p.number_prefix, p.number, p.sub_number, p.number_suffix)) FILTER (WHERE mod(p.number, 2) = 1),
       min(p.number) FILTER (WHERE mod(p.number, 2) = 0), max(p.number) FILTER (WHERE mod(p.number, 2) = 0),
       count(DISTINCT (p.number_prefix, p.number, p.sub_number, p.number_suffix)) FILTER (WHERE mod(p.number, 2) = 0),
       count(*), min(p.id)
FROM addresses_doorplate p
WHERE p.status = 'active' AND p.road_id = %(road)s
GROUP BY p.area, p.lane, p.alley
"""

# Zip codes of the road's plates, with the numbers on the road itself that each covers on each side.
ROAD_ZIPS = """
SELECT p.zip_code, count(*),
       min(p.number) FILTER (WHERE mod(p.number, 2) = 1 AND p.lane = ''),
       max(p.number) FILTER (WHERE mod(p.number, 2) = 1 AND p.lane = ''),
       min(p.number) FILTER (WHERE mod(p.number, 2) = 0 AND p.lane = ''),
       max(p.number) FILTER (WHERE mod(p.number, 2) = 0 AND p.lane = ''),
       count(DISTINCT p.lane) FILTER (WHERE p.lane <> '')
FROM addresses_doorplate p
WHERE p.status = 'active' AND p.road_id = %(road)s
GROUP BY p.zip_code
ORDER BY p.zip_code = '', p.zip_code
"""

ROAD_VILLAGES = """
SELECT v.name, v.name_en, count(*) FROM addresses_doorplate p JOIN areas_village v ON v.id = p.village_id
WHERE p.status = 'active' AND p.road_id = %(road)s
GROUP BY v.name, v.name_en ORDER BY count(*) DESC, v.name
"""

# One point per entrance position for the map (units share their entrance's point): its lowest plate id and the
# house number (lane and alley included) as the map labels it; the extent in WGS84.
ROAD_POINTS = """
SELECT round(ST_Y(ST_Transform(p.geom, 4326))::numeric, 6), round(ST_X(ST_Transform(p.geom, 4326))::numeric, 6),
       min(p.id), min(concat(
           CASE WHEN p.lane <> '' THEN p.lane || '巷' END, CASE WHEN p.alley <> '' THEN p.alley || '弄' END,
           p.number_prefix, p.number, '之' || p.sub_number, '號', '之' || p.number_suffix))
FROM addresses_doorplate p
WHERE p.status = 'active' AND p.road_id = %(road)s
GROUP BY p.geom
ORDER BY min(p.id)
LIMIT %(limit)s
"""
ROAD_EXTENT = """
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (
    SELECT ST_Transform(ST_SetSRID(ST_Extent(p.geom)::geometry, 3826), 4326) AS e
    FROM addresses_doorplate p WHERE p.status = 'active' AND p.road_id = %(road)s) s
"""
