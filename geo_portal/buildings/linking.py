"""Plate→building links: every active plate to the footprint containing it, else the nearest within a tolerance.

``link_plates_to_buildings`` recomputes every link in one statement (KNN on the GiST index); ``link_changed_plates``
does it for the plates a door-plate import added or moved (the job ``buildings.link_imported_plates`` runs it
after each import); ``import_buildings`` relinks after loading footprints. Kept apart from the importer so the
job worker and web processes do not load pyogrio and GeoPandas (~150 MB) to link plates.
"""

from __future__ import annotations

from django.db import connection, transaction

from geo_portal.ingest.errors import ImportRefused

DEFAULT_LINK_TOLERANCE_M = 15.0

_LINK = """
DELETE FROM buildings_platebuilding;
INSERT INTO buildings_platebuilding (plate_id, building_id, method, distance_m)
SELECT p.id, b.id, CASE WHEN b.dist = 0 THEN 'contains' ELSE 'nearest' END, b.dist
FROM addresses_doorplate p
CROSS JOIN LATERAL (
    SELECT b.id, ST_Distance(b.geom, p.geom) AS dist FROM buildings_building b
    WHERE ST_DWithin(b.geom, p.geom, %(tolerance)s)
    ORDER BY b.geom <-> p.geom LIMIT 1
) b
WHERE p.status = 'active';
ANALYZE buildings_platebuilding;
"""
# After a door-plate import: drop the links of retired plates and of plates the batches since ``batch`` added or
# changed (the merge stamps them with its batch id), then link those plates. Plates of older batches keep their
# link or lack of one: new footprints arrive through ``import_buildings``, which relinks every plate.
_UNLINK_CHANGED = """
DELETE FROM buildings_platebuilding pb USING addresses_doorplate p
WHERE pb.plate_id = p.id AND (p.status <> 'active' OR p.source_batch_id >= %(batch)s)
"""
_LINK_UNLINKED = """
INSERT INTO buildings_platebuilding (plate_id, building_id, method, distance_m)
SELECT p.id, b.id, CASE WHEN b.dist = 0 THEN 'contains' ELSE 'nearest' END, b.dist
FROM addresses_doorplate p
CROSS JOIN LATERAL (
    SELECT b.id, ST_Distance(b.geom, p.geom) AS dist FROM buildings_building b
    WHERE ST_DWithin(b.geom, p.geom, %(tolerance)s)
    ORDER BY b.geom <-> p.geom LIMIT 1
) b
WHERE p.status = 'active' AND p.source_batch_id >= %(batch)s
  AND NOT EXISTS (SELECT 1 FROM buildings_platebuilding pb WHERE pb.plate_id = p.id)
"""
_LINK_COUNTS = """
SELECT count(*) FILTER (WHERE method = 'contains'), count(*) FILTER (WHERE method = 'nearest'),
       (SELECT count(*) FROM addresses_doorplate WHERE status = 'active')
FROM buildings_platebuilding
"""


def _link(cur, tolerance_m: float) -> dict[str, int]:
    cur.execute(_LINK, {"tolerance": tolerance_m})
    return _link_counts(cur)


def _link_counts(cur) -> dict[str, int]:
    cur.execute(_LINK_COUNTS)
    contains, nearest, active = cur.fetchone()
    return {
        "plates_in_building": contains,
        "plates_near_building": nearest,
        "plates_without_building": active - contains - nearest,
    }


@transaction.atomic
def link_plates_to_buildings(*, tolerance_m: float = DEFAULT_LINK_TOLERANCE_M) -> dict[str, int]:
    """Recompute plate→building links for all active plates."""
    if not 0 <= tolerance_m <= 100:
        raise ImportRefused("the tolerance must be between 0 and 100 metres")
    with connection.cursor() as cur:
        return _link(cur, tolerance_m)


@transaction.atomic
def link_changed_plates(*, since_batch_id: int, tolerance_m: float = DEFAULT_LINK_TOLERANCE_M) -> dict[str, int]:
    """Link the plates that door-plate batches ``since_batch_id`` and later added or changed; unlink retired ones.

    Set-based and incremental: links of other plates stay as they are. Returns how many links were dropped and
    made now, and the totals of ``link_plates_to_buildings``.
    """
    if not 0 <= tolerance_m <= 100:
        raise ImportRefused("the tolerance must be between 0 and 100 metres")
    with connection.cursor() as cur:
        cur.execute(_UNLINK_CHANGED, {"batch": since_batch_id})
        unlinked = cur.rowcount
        cur.execute(_LINK_UNLINKED, {"batch": since_batch_id, "tolerance": tolerance_m})
        linked = cur.rowcount
        return {"unlinked": unlinked, "linked": linked, **_link_counts(cur)}
