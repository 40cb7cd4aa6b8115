"""SQL of the tile-cache invalidation and pruning (``services``); the change log is read only through the view
``changes_public_event_v`` and the functions ``changes_latest_txid``/``changes_horizon_txid`` that it declares.

Tile arithmetic matches ``ST_TileEnvelope`` (EPSG:3857, origin at the north-west corner): at zoom z a tile is
``size = WEB_MERCATOR_SIZE / 2^z`` metres wide, ``x = floor((X + half) / size)``, ``y = floor((half − Y) / size)``.
A geometry dirties every tile whose envelope, widened by the tile query's drawing buffer, meets the geometry's
bounding box in EPSG:3857 (transformed whole, as the tile queries transform it).
"""

from __future__ import annotations

from geo_portal.changes.models import PUBLIC
from geo_portal.publicmap.tiles import BUFFER, EXTENT, WEB_MERCATOR_SIZE

CHANNEL = PUBLIC

STATE = f"""
SELECT (SELECT applied_txid FROM publicmap_tilestate WHERE id = 1),
       changes_latest_txid('{CHANNEL}'), changes_horizon_txid('{CHANNEL}')"""

EVENT_COUNTS = """
SELECT entity, count(*) FROM changes_public_event_v WHERE txid > %(after)s AND txid <= %(upto)s GROUP BY entity"""

# Marks are upserted: one row per address holding the greatest txid; marked_at moves only when the txid grows.
_UPSERT = """
INSERT INTO publicmap_tiledirty (layer, z, x, y, txid, marked_at)
SELECT layer, z, x, y, max(txid), now() FROM marks GROUP BY layer, z, x, y
ON CONFLICT (layer, z, x, y) DO UPDATE SET txid = EXCLUDED.txid, marked_at = EXCLUDED.marked_at
WHERE publicmap_tiledirty.txid < EXCLUDED.txid"""

# Rules arrive as parallel arrays (entity, layer, kind, zmin, zmax), from code constants. An event counts with its
# geometry after the change and before it (a move, a deletion): both places change.
MARK_EVENTS = f"""
WITH rules AS (
    SELECT * FROM unnest(%(entities)s::text[], %(layers)s::text[], %(kinds)s::text[], %(zmins)s::int[],
                         %(zmaxs)s::int[]) AS r(entity, layer, kind, zmin, zmax)
),
ev AS (
    SELECT e.txid, e.entity, e.geom, e.old_geom FROM changes_public_event_v e
    WHERE e.txid > %(after)s AND e.txid <= %(upto)s
),
zoom_marks AS (
    SELECT t.layer, z.z, -1 AS x, -1 AS y, t.txid
    FROM (SELECT r.layer, r.zmin, r.zmax, max(ev.txid) AS txid
          FROM ev JOIN rules r ON r.entity = ev.entity AND r.kind = 'zoom' GROUP BY 1, 2, 3) t
    CROSS JOIN LATERAL generate_series(t.zmin, t.zmax) AS z(z)
),
boxes AS (
    SELECT r.layer, r.zmin, r.zmax, ev.txid, ST_Transform(g.geom, 3857)::box2d AS box
    FROM ev JOIN rules r ON r.entity = ev.entity AND r.kind = 'tiles'
    CROSS JOIN LATERAL (VALUES (ev.geom), (ev.old_geom)) AS g(geom)
    WHERE g.geom IS NOT NULL AND NOT ST_IsEmpty(g.geom)
),
ranges AS (
    SELECT b.layer, z.z, b.txid,
           greatest(0, floor((ST_XMin(b.box) + %(half)s) / s.size - %(pad)s))::int AS x0,
           least(s.n - 1, floor((ST_XMax(b.box) + %(half)s) / s.size + %(pad)s))::int AS x1,
           greatest(0, floor((%(half)s - ST_YMax(b.box)) / s.size - %(pad)s))::int AS y0,
           least(s.n - 1, floor((%(half)s - ST_YMin(b.box)) / s.size + %(pad)s))::int AS y1
    FROM boxes b
    CROSS JOIN LATERAL generate_series(b.zmin, b.zmax) AS z(z)
    CROSS JOIN LATERAL (SELECT %(world)s / 2.0 ^ z.z AS size, (2::bigint ^ z.z)::bigint AS n) AS s
),
tile_marks AS (
    -- A geometry spanning more than max_tiles tiles at a zoom (a village at street level) marks the whole zoom.
    SELECT layer, z, -1 AS x, -1 AS y, txid FROM ranges WHERE (x1 - x0 + 1)::bigint * (y1 - y0 + 1) > %(max_tiles)s
    UNION ALL
    SELECT r.layer, r.z, gx.x, gy.y, r.txid FROM ranges r
    CROSS JOIN LATERAL generate_series(r.x0, r.x1) AS gx(x)
    CROSS JOIN LATERAL generate_series(r.y0, r.y1) AS gy(y)
    WHERE (r.x1 - r.x0 + 1)::bigint * (r.y1 - r.y0 + 1) <= %(max_tiles)s
),
marks AS (SELECT * FROM zoom_marks UNION ALL SELECT * FROM tile_marks)
{_UPSERT}"""

MARK_WHOLE_LAYERS = f"""
WITH marks AS (SELECT layer, -1 AS z, -1 AS x, -1 AS y, %(txid)s::bigint AS txid FROM unnest(%(layers)s::text[]) AS layer)
{_UPSERT}"""

SET_APPLIED = """
INSERT INTO publicmap_tilestate (id, applied_txid, applied_at) VALUES (1, %(txid)s, now())
ON CONFLICT (id) DO UPDATE SET applied_txid = EXCLUDED.applied_txid, applied_at = EXCLUDED.applied_at"""

# The change log was reset (or the state row is gone): nothing in the cache can be trusted.
RESET = ["DELETE FROM publicmap_cachedtile", "DELETE FROM publicmap_tiledirty"]

# The greatest mark covering a tile address: its own, its zoom level's and its layer's (three probes of the
# unique index). Shared by the tile lookups (``tile_cache``) and the prune.
DIRTY_TXID = """greatest(
    (SELECT d.txid FROM publicmap_tiledirty d WHERE d.layer = {layer} AND d.z = {z} AND d.x = {x} AND d.y = {y}),
    (SELECT d.txid FROM publicmap_tiledirty d WHERE d.layer = {layer} AND d.z = {z} AND d.x = -1 AND d.y = -1),
    (SELECT d.txid FROM publicmap_tiledirty d WHERE d.layer = {layer} AND d.z = -1 AND d.x = -1 AND d.y = -1),
    -1)"""

# Stores one encoded tile stamped with the txid its snapshot saw (``services.tile_store``, default connection). Only
# when that txid is at least the one marks are applied up to: every change after the tile's snapshot is then still
# to be marked (marks are written fresh, so the prune cannot have dropped one — which it may for a tile encoded an
# hour ago on a lagging replica). A tile encoded before an applied change is simply not kept; the next request
# encodes it again. Never above the latest txid (a replica of another history) and never over a later tile.
STORE_TILE = f"""
INSERT INTO publicmap_cachedtile (layer, z, x, y, txid, etag, content, created_at)
SELECT %(layer)s, %(z)s, %(x)s, %(y)s, %(txid)s, %(etag)s, %(content)s, now()
WHERE %(txid)s >= (SELECT applied_txid FROM publicmap_tilestate WHERE id = 1)
  AND %(txid)s <= changes_latest_txid('{CHANNEL}')
ON CONFLICT (layer, z, x, y) DO UPDATE
    SET txid = EXCLUDED.txid, etag = EXCLUDED.etag, content = EXCLUDED.content, created_at = EXCLUDED.created_at
    WHERE publicmap_cachedtile.txid <= EXCLUDED.txid"""

PRUNE_INVALID_TILES = f"""
DELETE FROM publicmap_cachedtile t WHERE t.txid < {DIRTY_TXID.format(layer="t.layer", z="t.z", x="t.x", y="t.y")}"""

PRUNE_MARKS = "DELETE FROM publicmap_tiledirty WHERE marked_at < now() - %(keep)s"

TILE_PARAMS = {"half": WEB_MERCATOR_SIZE / 2, "world": WEB_MERCATOR_SIZE, "pad": (BUFFER + 1) / EXTENT}
