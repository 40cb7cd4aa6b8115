"""Cached vector tiles with strong ETags, stamped with the versions of the layers a tile is drawn from.

A tile is encoded once per data version; any write to plates, buildings or villages bumps the version
(database triggers, see ``models.LayerVersion``), so stale tiles are never served and need no purge. The
cache is the UNLOGGED table ``publicmap_cachedtile`` (one row per tile address), shared by every worker:
one statement per request finds the tile under the current versions or encodes and stores it.

(A file cache was measured first: Django's FileBasedCache lists its whole directory on every write to decide
whether to cull, 0.5 ms with a few thousand tiles and growing with the cache.)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

from geo_portal.publicmap.tiles import LAYER_SOURCES, tile_query


@dataclass(frozen=True)
class CachedTile:
    content: bytes
    etag: str
    source: str  # "hit" (from the cache), "miss" (encoded by this request) or "none" (the layer is empty at this zoom)


def _stamp_sql(layer: str) -> str:
    parts = " || '.' || ".join(
        f"coalesce((SELECT version FROM publicmap_layerversion WHERE name = '{source}'), 0)::text"
        for source in LAYER_SOURCES[layer]
    )
    return f"SELECT {parts}"


EMPTY_ETAG = '"' + hashlib.md5(b"", usedforsecurity=False).hexdigest() + '"'


def _lookup_or_render_sql(layer: str, tile_sql: str) -> str:
    """One statement: the cached tile if its stamp is current, else the tile encoded now and stored.

    The INSERT's source is gated by an uncorrelated NOT EXISTS, which PostgreSQL evaluates once (a one-time
    filter), so a hit never runs the tile query. One round trip per request, hit or miss.
    """
    return f"""WITH v AS ({_stamp_sql(layer)} AS stamp),
hit AS (
    SELECT t.etag, t.content FROM publicmap_cachedtile t, v
    WHERE t.layer = %(layer)s AND t.z = %(z)s AND t.x = %(x)s AND t.y = %(y)s AND t.stamp = v.stamp
),
stored AS (
    INSERT INTO publicmap_cachedtile (layer, z, x, y, stamp, etag, content, created_at)
    SELECT %(layer)s, %(z)s, %(x)s, %(y)s, v.stamp, '"' || md5(tile.mvt) || '"', tile.mvt, now()
    FROM v, (SELECT coalesce(mvt, ''::bytea) AS mvt FROM ({tile_sql}) AS encoded(mvt)) AS tile
    WHERE NOT EXISTS (SELECT 1 FROM hit)
    ON CONFLICT (layer, z, x, y) DO UPDATE
    SET stamp = EXCLUDED.stamp, etag = EXCLUDED.etag, content = EXCLUDED.content, created_at = EXCLUDED.created_at
    RETURNING etag, content
)
SELECT etag, content, true FROM hit
UNION ALL
SELECT etag, content, false FROM stored"""


LOOKUP_SQL = {
    layer: f"""WITH v AS ({_stamp_sql(layer)} AS stamp)
SELECT v.stamp, t.etag, t.content FROM v
LEFT JOIN publicmap_cachedtile t
       ON t.layer = %(layer)s AND t.z = %(z)s AND t.x = %(x)s AND t.y = %(y)s AND t.stamp = v.stamp"""
    for layer in LAYER_SOURCES
}

STORE_SQL = """
INSERT INTO publicmap_cachedtile (layer, z, x, y, stamp, etag, content, created_at)
VALUES (%(layer)s, %(z)s, %(x)s, %(y)s, %(stamp)s, %(etag)s, %(content)s, now())
ON CONFLICT (layer, z, x, y) DO UPDATE
SET stamp = EXCLUDED.stamp, etag = EXCLUDED.etag, content = EXCLUDED.content, created_at = EXCLUDED.created_at"""


def get_tile(layer: str, z: int, x: int, y: int) -> CachedTile:
    """The tile from the cache, or encoded now and cached (``tiles.TileOutOfRange`` for a bad address).

    Street-level tiles take one statement, hit or miss. Aggregated tiles (counts over thousands of plates) are
    encoded by their own statement: inside an INSERT, PostgreSQL would not run them in parallel (measured 2.3×
    slower on a 1,000,000-plate z14 tile).
    """
    query = tile_query(layer, z, x, y)
    if query is None:  # nothing to draw at this zoom: no database work at all
        return CachedTile(content=b"", etag=EMPTY_ETAG, source="none")
    address = {"layer": layer, "z": z, "x": x, "y": y}
    with connections[settings.SEARCH_DB].cursor() as cursor:
        if not query.aggregated:
            cursor.execute(_lookup_or_render_sql(layer, query.sql), {**query.params, **address})
            etag, content, cached = cursor.fetchone()
            return CachedTile(content=bytes(content), etag=etag, source="hit" if cached else "miss")
        cursor.execute(LOOKUP_SQL[layer], address)
        stamp, etag, content = cursor.fetchone()
        if etag is not None:
            return CachedTile(content=bytes(content), etag=etag, source="hit")
        # Encoded after reading the stamp: the tile is at least as new as its stamp says.
        cursor.execute(query.sql, query.params)
        row = cursor.fetchone()
        content = bytes(row[0]) if row and row[0] else b""
        etag = '"' + hashlib.md5(content, usedforsecurity=False).hexdigest() + '"'
        cursor.execute(STORE_SQL, {**address, "stamp": stamp, "etag": etag, "content": content})
    return CachedTile(content=content, etag=etag, source="miss")
