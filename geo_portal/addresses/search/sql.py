"""SQL of the search: for reverse lookup, one statement for the nearest plates with everything a hit shows, one
for the village and building at the point (run on the search connection, where psycopg prepares them once); for
geocoding, the building of each plate as a column of the plate query (``PLATE_BUILDING``).

Buildings sit above addresses in the layer order: their data is read only through the read views that buildings
declares for lower apps (``buildings_plate_building_v``, ``buildings_footprint_v``), never through the ORM's
reverse relation (``DoorPlate.building_link``), and areas' 鄰 through ``areas_neighborhood_v``.
"""

# The building of a plate, as a scalar subquery for ``Func(F("pk"), template=...)``: the ORM fills in the plate id
# column under whatever alias the query gives the plate table. One index probe per row of the plate query (the
# plate key of the view's table is unique), no extra query per hit.
PLATE_BUILDING = "(SELECT pb.building_id FROM buildings_plate_building_v pb WHERE pb.plate_id = %(expressions)s)"

# The point is written out where it is used (not taken from a CTE) so that ORDER BY geom <-> point can walk the
# GiST index in distance order instead of sorting everything within the radius.
_POINT = "ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 3826)"
NEAREST_PLATES = f"""
WITH knn AS (
    SELECT p.id FROM addresses_doorplate p
    WHERE p.status = 'active' AND ST_DWithin(p.geom, {_POINT}, %(radius)s)
    ORDER BY p.geom <-> {_POINT}
    LIMIT %(candidates)s
)
SELECT p.id, p.address, p.zip_code, p.number_prefix, p.number, p.sub_number, p.number_suffix, p.floor, p.floor_sub,
       p.lane, p.alley, p.area, ST_X(p.geom), ST_Y(p.geom), ST_Distance(p.geom, {_POINT}) AS distance,
       v.name, n.number, r.name, r.name_en, r.name_en_source, d.name, d.name_en, c.name, c.name_en, pb.building_id
FROM knn JOIN addresses_doorplate p ON p.id = knn.id
JOIN areas_district d ON d.id = p.district_id
JOIN areas_county c ON c.id = d.county_id
LEFT JOIN areas_village v ON v.id = p.village_id
LEFT JOIN areas_neighborhood_v n ON n.id = p.neighborhood_id
LEFT JOIN areas_road r ON r.id = p.road_id
LEFT JOIN buildings_plate_building_v pb ON pb.plate_id = p.id
ORDER BY distance, p.floor NULLS FIRST, p.address_key
LIMIT %(limit)s
"""

AREA_AT_POINT = f"""
SELECT (SELECT v.name FROM areas_village v WHERE ST_Covers(v.boundary, {_POINT}) ORDER BY v.code LIMIT 1),
       (SELECT v.code FROM areas_village v WHERE ST_Covers(v.boundary, {_POINT}) ORDER BY v.code LIMIT 1),
       (SELECT b.id FROM buildings_footprint_v b WHERE ST_Intersects(b.geom, {_POINT}) ORDER BY b.id LIMIT 1)
"""

# Geocoding reads every plate of the numbers asked for in one statement (all units, 之 numbers, retired ones), with
# what a hit shows; the geocoder then picks in Python. The (road, number) index serves both forms (road_id IS NULL for
# plates named by an area only). Village, 鄰 and building are scalar subqueries (one primary-key probe per plate):
# as joins PostgreSQL hashed the whole village and 鄰 tables for the two or three plates found, 0.3 ms of execution
# and more planning on every geocode.
_PLATE_COLUMNS = """
SELECT p.id, p.status, p.road_id, p.district_id, p.area, p.lane, p.alley, p.number_prefix, p.number, p.sub_number,
       p.number_suffix, p.floor, p.floor_unit, p.floor_sub, p.address, p.address_key, p.zip_code, ST_X(p.geom),
       ST_Y(p.geom), (SELECT v.name FROM areas_village v WHERE v.id = p.village_id),
       (SELECT n.number FROM areas_neighborhood_v n WHERE n.id = p.neighborhood_id),
       (SELECT pb.building_id FROM buildings_plate_building_v pb WHERE pb.plate_id = p.id), p.retired_on
FROM addresses_doorplate p
"""
PLATES_ON_ROADS = (
    _PLATE_COLUMNS
    + """WHERE p.road_id = ANY(%(roads)s) AND p.number = ANY(%(numbers)s) AND p.area = %(area)s
  AND p.lane = %(lane)s AND p.alley = %(alley)s
ORDER BY p.address_key, p.id"""
)
PLATES_IN_AREA = (
    _PLATE_COLUMNS
    + """WHERE p.road_id IS NULL AND p.number = ANY(%(numbers)s) AND p.district_id = ANY(%(districts)s)
  AND p.area = %(area)s AND p.lane = %(lane)s AND p.alley = %(alley)s
ORDER BY p.address_key, p.id"""
)
# The same, only the plates on the floors asked for (NULL: the entrance); the answer itself is among them.
_AT_FLOORS = "\n  AND (p.floor = ANY(%(floors)s) OR (%(no_floor)s AND p.floor IS NULL))\nORDER BY"
PLATES_ON_ROADS_AT_FLOORS = PLATES_ON_ROADS.replace("\nORDER BY", _AT_FLOORS)
PLATES_IN_AREA_AT_FLOORS = PLATES_IN_AREA.replace("\nORDER BY", _AT_FLOORS)
PLATES_BY_ID = _PLATE_COLUMNS + "WHERE p.id = ANY(%(ids)s) ORDER BY p.address_key, p.id"
SUCCESSORS = """
SELECT s.to_doorplate_id FROM addresses_doorplate_successors s
JOIN addresses_doorplate p ON p.id = s.to_doorplate_id AND p.status = 'active'
WHERE s.from_doorplate_id = ANY(%(ids)s)
"""

# The nearest numbers on the same side (same parity) of the same road/area, lane and alley, below and above, each as
# an entrance (its bare plate, else its lowest unit). The numbers are found first, on the plates alone (a backward or
# forward walk of the index), and only then the two representatives are read with their village: joining first made
# PostgreSQL sort every plate of a long road (19 ms on 光復路二段). ``place`` is written out per form for the index.
_SIDE_WHERE = """p.status = 'active' AND {place} AND p.area = %(area)s AND p.lane = %(lane)s AND p.alley = %(alley)s
   AND p.sub_number IS NULL AND p.number_suffix IS NULL AND p.number_prefix = ''"""
_NEIGHBOURS = """
WITH sides AS (
    (SELECT 'below' AS side, p.number FROM addresses_doorplate p
     WHERE {where} AND mod(p.number, 2) = %(parity)s AND p.number < %(number)s ORDER BY p.number DESC LIMIT 1)
    UNION ALL
    (SELECT 'above' AS side, p.number FROM addresses_doorplate p
     WHERE {where} AND mod(p.number, 2) = %(parity)s AND p.number > %(number)s ORDER BY p.number ASC LIMIT 1)
)
SELECT s.side, r.* FROM sides s
CROSS JOIN LATERAL (
    SELECT p.number, p.address, ST_X(p.geom), ST_Y(p.geom), p.zip_code, p.village_id, v.name, p.district_id
    FROM addresses_doorplate p LEFT JOIN areas_village v ON v.id = p.village_id
    WHERE {where} AND p.number = s.number
    ORDER BY p.floor NULLS FIRST, p.floor_sub NULLS FIRST, p.address_key LIMIT 1
) r
"""


def _neighbours(place: str) -> str:
    return _NEIGHBOURS.format(where=_SIDE_WHERE.format(place=place))


NEIGHBOURS_ON_ROADS = _neighbours("p.road_id = ANY(%(roads)s)")
NEIGHBOURS_IN_AREA = _neighbours("p.road_id IS NULL AND p.district_id = ANY(%(districts)s)")

# A road (or a lane of it) named without a number: where it lies and which numbers it has, for the map to show.
ROAD_SUMMARY = """
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), odd_min, odd_max, even_min, even_max, lanes, plates
FROM (
    SELECT ST_Transform(ST_SetSRID(ST_Extent(p.geom)::geometry, 3826), 4326) AS e,
           min(p.number) FILTER (WHERE mod(p.number, 2) = 1 AND p.lane = %(lane)s AND p.alley = %(alley)s) AS odd_min,
           max(p.number) FILTER (WHERE mod(p.number, 2) = 1 AND p.lane = %(lane)s AND p.alley = %(alley)s) AS odd_max,
           min(p.number) FILTER (WHERE mod(p.number, 2) = 0 AND p.lane = %(lane)s AND p.alley = %(alley)s) AS even_min,
           max(p.number) FILTER (WHERE mod(p.number, 2) = 0 AND p.lane = %(lane)s AND p.alley = %(alley)s) AS even_max,
           count(DISTINCT p.lane) FILTER (WHERE p.lane <> '' AND %(lane)s = '') AS lanes,
           count(*) AS plates
    FROM addresses_doorplate p
    WHERE p.status = 'active' AND p.road_id = ANY(%(roads)s) AND p.area = %(area)s
      AND (%(lane)s = '' OR p.lane = %(lane)s) AND (%(alley)s = '' OR p.alley = %(alley)s)
) s
"""

# Places named without a number (``named_places``): a village by its boundary, a 鄰 or a named area (地區) by the
# plates registered there — they have no official boundary, so a hull is drawn around those plates (concave, grown by
# 10 m so that a single plate or a row of plates still has an area) and the label point is the plate nearest the
# plates' centroid (always inside). Outlines in WGS84 with 6 decimals; a village boundary is simplified by 2 m.
_BBOX = "ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
VILLAGE_PLACE = f"""
SELECT s.id, s.name, s.name_en, s.district_id,
       ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(s.boundary, 2), 4326), 6),
       ST_X(lp), ST_Y(lp), {_BBOX}, s.plates, s.hoods
FROM (
    SELECT v.id, v.code, v.name, v.name_en, v.district_id, v.boundary,
           ST_Transform(ST_PointOnSurface(v.boundary), 4326) AS lp,
           ST_Transform(ST_Envelope(v.boundary), 4326) AS e,
           (SELECT count(*) FROM addresses_doorplate p WHERE p.village_id = v.id AND p.status = 'active') AS plates,
           (SELECT count(DISTINCT p.neighborhood_id) FROM addresses_doorplate p
            WHERE p.village_id = v.id AND p.status = 'active') AS hoods
    FROM areas_village v
    WHERE v.name = %(name)s AND v.district_id = ANY(%(districts)s) AND v.boundary IS NOT NULL
) s
ORDER BY s.code
"""
_PLATES_HULL = """
WITH pts AS (SELECT p.geom FROM addresses_doorplate p WHERE p.status = 'active' AND {where}),
agg AS (SELECT ST_Collect(geom) AS g, count(*) AS n FROM pts),
shape AS (
    SELECT n, ST_Buffer(ST_ConcaveHull(g, 0.5), 10) AS hull,
           (SELECT geom FROM pts ORDER BY geom <-> ST_Centroid(agg.g) LIMIT 1) AS label
    FROM agg WHERE n > 0
)
SELECT n, ST_AsGeoJSON(ST_Transform(hull, 4326), 6), ST_X(lp), ST_Y(lp), {bbox}
FROM (SELECT n, hull, ST_Transform(label, 4326) AS lp, ST_Transform(ST_Envelope(hull), 4326) AS e FROM shape) s
"""
NEIGHBORHOOD_PLACE = _PLATES_HULL.format(
    bbox=_BBOX,
    where="""p.neighborhood_id IN (
        SELECT n.id FROM areas_neighborhood_v n JOIN areas_village v ON v.id = n.village_id
        WHERE v.name = %(village)s AND v.district_id = ANY(%(districts)s) AND n.number = %(hood)s)""",
)
AREA_PLACE = _PLATES_HULL.format(bbox=_BBOX, where="p.area = %(area)s AND p.district_id = ANY(%(districts)s)")
# The 鄰 of a village that have active plates (for the note when the 鄰 asked for has none).
VILLAGE_HOODS = """
SELECT DISTINCT n.number FROM addresses_doorplate p
JOIN areas_neighborhood_v n ON n.id = p.neighborhood_id
JOIN areas_village v ON v.id = p.village_id
WHERE p.status = 'active' AND v.name = %(village)s AND v.district_id = ANY(%(districts)s)
ORDER BY n.number
"""

# Landmarks: named buildings, read only through the view buildings declares; several footprints may share a name
# (梅竹山莊): they are one place. Its door plates are the plates linked to those footprints.
LANDMARK_NAMES = "SELECT DISTINCT n.name FROM buildings_named_v n"
LANDMARK_PLACE = f"""
SELECT ids, ST_AsGeoJSON(ST_Transform(g, 4326), 6), ST_X(lp), ST_Y(lp), {_BBOX}
FROM (
    SELECT ids, g, ST_Transform(ST_PointOnSurface(g), 4326) AS lp, ST_Transform(ST_Envelope(g), 4326) AS e
    FROM (SELECT array_agg(n.id ORDER BY n.id) AS ids, ST_Union(n.geom) AS g FROM buildings_named_v n
          WHERE n.name = %(name)s) u
    WHERE g IS NOT NULL
) s
"""
LANDMARK_PLATES = """
SELECT count(*) OVER (), p.address FROM buildings_plate_building_v pb
JOIN addresses_doorplate p ON p.id = pb.plate_id AND p.status = 'active'
WHERE pb.building_id = ANY(%(ids)s)
ORDER BY p.floor NULLS FIRST, p.address_key
LIMIT %(limit)s
"""
