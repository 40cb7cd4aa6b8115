"""Cached vector tiles with strong ETags, stamped with the change-log txid of the data they were encoded from.

The cache is the UNLOGGED table ``publicmap_cachedtile`` (one row per tile address), shared by every worker.
A street-level tile takes one statement on the default connection, prepared: the valid cached tile, or the tile
encoded and stored. Aggregated tiles and tiles encoded on a replica take a lookup on the ``search`` connection
(which may be the read-only role ``geo_portal_reader``), the encoding on its own, and a store on the default
connection (``services.tile_store``).

When a cached tile is valid. A tile stamped ``txid = T`` shows exactly the committed data up to public-channel
txid T: T is read with ``changes_latest_txid`` in the same statement (one snapshot) that encodes the tile, and
the change log numbers txids at commit under the channel's row lock, so a snapshot that sees txid T sees every
txid ≤ T and nothing after. ``services.apply_invalidations`` records, for each committed change, marks
(``TileDirty``: the tile, its whole zoom level or the whole layer, with the change's txid) and advances
``TileState.applied_txid``, in one transaction. A tile is served only when, in the lookup's own snapshot,

- its txid ≥ every mark covering it (no recorded change after T touches it), and
- the marks are applied up to the latest txid (no change is unrecorded), or the tile's txid is the latest
  (nothing committed after it at all), and
- the current transaction has no unnumbered change of its own (it would see data no txid describes).

The race: a tile encoded from a snapshot before change C (txid T+1) commits, stored after C's marks were
applied. It is stamped T (its snapshot's latest txid), C's mark says T+1 > T: never served. If it is stored
before the marks are applied, the lookup sees applied < latest and the tile's T < latest: not served either.
When the marks lag, the lookup encodes afresh (stamped with the latest txid) and then runs
``apply_invalidations`` itself, so the lag lasts one request. When the store is a separate statement (on another
connection), a change may commit between the encoding and the store: the txid the encoding saw travels with the
tile, and the store refuses it once a later change's marks are applied (``sql.STORE_TILE``) — otherwise the rules
above hold for it exactly as for a tile stored in the encoding's own statement. That statement checks the same
conditions in its own snapshot: if a change and its marks commit while it runs, the tile it stores carries the older
txid, is never served, and the prune deletes invalid tiles before it drops marks, which it keeps for an hour
(``services.prune_tile_cache``).

(A file cache was measured first: Django's FileBasedCache lists its whole directory on every write to decide
whether to cull, 0.5 ms with a few thousand tiles and growing with the cache.)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

from geo_portal.core.db import prepared_cursor
from geo_portal.publicmap.services import apply_invalidations, tile_store
from geo_portal.publicmap.sql import CHANNEL, DIRTY_TXID
from geo_portal.publicmap.tiles import tile_query


@dataclass(frozen=True)
class CachedTile:
    content: bytes
    etag: str
    source: str  # "hit" (from the cache), "miss" (encoded by this request) or "none" (the layer is empty at this zoom)


EMPTY_ETAG = '"' + hashlib.md5(b"", usedforsecurity=False).hexdigest() + '"'

# The latest txid, how far marks are applied (-1: no state row; then, or when the log went backwards, no hit
# until ``apply_invalidations`` has reset the cache), the current transaction's own unnumbered
# changes, and the greatest mark covering this tile — all in the statement's one snapshot.
_STATE = f"""SELECT changes_latest_txid('{CHANNEL}') AS latest,
       coalesce((SELECT applied_txid FROM publicmap_tilestate WHERE id = 1), -1) AS applied,
       changes_pending('{CHANNEL}') AS pending,
       {DIRTY_TXID.format(layer="%(layer)s", z="%(z)s", x="%(x)s", y="%(y)s")} AS dirty"""

_HIT = """SELECT t.etag, t.content FROM publicmap_cachedtile t, v
    WHERE t.layer = %(layer)s AND t.z = %(z)s AND t.x = %(x)s AND t.y = %(y)s
      AND NOT v.pending AND t.txid >= v.dirty AND t.txid <= v.latest
      AND v.applied BETWEEN 0 AND v.latest AND (v.applied = v.latest OR t.txid = v.latest)"""


def _lookup_or_render_sql(tile_sql: str) -> str:
    """One statement on the primary: the cached tile if valid, else the tile encoded now and stored, stamped with this
    snapshot's txid (unless the marks are not applied up to it yet, or this transaction has unnumbered changes of
    its own: then served, not stored).

    The encoding is gated by an uncorrelated NOT EXISTS, which PostgreSQL evaluates once (a one-time filter),
    so a hit never runs the tile query. The store is the conditions of ``sql.STORE_TILE`` in the encoding's own
    snapshot. Returns (etag, content, cached, lagging).
    """
    return f"""WITH v AS MATERIALIZED ({_STATE}),
hit AS MATERIALIZED ({_HIT}),
tile AS MATERIALIZED (
    SELECT '"' || md5(e.mvt) || '"' AS etag, e.mvt AS content
    FROM (SELECT coalesce(mvt, ''::bytea) AS mvt FROM ({tile_sql}) AS encoded(mvt)) AS e
    WHERE NOT EXISTS (SELECT 1 FROM hit)
),
stored AS (
    INSERT INTO publicmap_cachedtile (layer, z, x, y, txid, etag, content, created_at)
    SELECT %(layer)s, %(z)s, %(x)s, %(y)s, v.latest, tile.etag, tile.content, now() FROM tile, v
    WHERE NOT v.pending AND v.applied BETWEEN 0 AND v.latest
    ON CONFLICT (layer, z, x, y) DO UPDATE
        SET txid = EXCLUDED.txid, etag = EXCLUDED.etag, content = EXCLUDED.content, created_at = EXCLUDED.created_at
        WHERE publicmap_cachedtile.txid <= EXCLUDED.txid
)
SELECT hit.etag, hit.content, true, v.applied <> v.latest FROM hit, v
UNION ALL
SELECT tile.etag, tile.content, false, v.applied <> v.latest FROM tile, v"""


LOOKUP_SQL = f"""WITH v AS MATERIALIZED ({_STATE}), hit AS MATERIALIZED ({_HIT})
SELECT hit.etag, hit.content, v.applied <> v.latest FROM v LEFT JOIN hit ON true"""


def _render_with_txid_sql(tile_sql: str) -> str:
    # The txid and the tile from one snapshot; the function is PARALLEL SAFE, so the tile query stays parallel.
    return f"SELECT changes_latest_txid('{CHANNEL}'), encoded.mvt FROM ({tile_sql}) AS encoded(mvt)"


def _pending(alias: str) -> bool:
    """Whether this connection's open transaction has changes not yet numbered (only a connection that writes: the
    tests' single connection; the read-only role never has any)."""
    if not connections[alias].in_atomic_block:
        return False
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT changes_pending('{CHANNEL}')")
        return cursor.fetchone()[0]


def get_tile(layer: str, z: int, x: int, y: int) -> CachedTile:
    """The tile from the cache, or encoded now and cached (``tiles.TileOutOfRange`` for a bad address).

    When tiles are encoded on the primary (``SEARCH_DB`` is ``TILE_CACHE_DB``), a street-level tile takes one
    statement on the default connection, hit or miss (``_lookup_or_render_sql``). Otherwise the cache is read on
    ``TILE_CACHE_DB`` (the primary's read-only ``search`` connection: the cache's tables are unlogged, so a standby
    has none), the tile encoded on ``SEARCH_DB`` and stored on the default connection (``services.tile_store``).
    Aggregated tiles (counts over thousands of plates) are encoded by their own statement (in one with the lookup,
    PostgreSQL would not run them in parallel: measured 2.3× slower on a 1,000,000-plate z14 tile), and so is every
    tile when ``SEARCH_DB`` is a replica. A tile encoded inside a transaction with unnumbered changes of its own is
    served but not stored. When the lookup finds the marks lagging behind the change log, this request brings them
    up to date before it returns (unless another process is doing so already).
    """
    query = tile_query(layer, z, x, y)
    if query is None:  # nothing to draw at this zoom: no database work at all
        return CachedTile(content=b"", etag=EMPTY_ETAG, source="none")
    address = {"layer": layer, "z": z, "x": x, "y": y}
    cache_db, render_db = settings.TILE_CACHE_DB, settings.SEARCH_DB
    if not query.aggregated and cache_db == render_db:
        # The lookup, the encoding and the store in one statement, prepared, on the default connection (the search
        # connection's role may not write): ~0.5 ms less per street-level miss than a lookup there and a store here.
        with prepared_cursor() as cursor:
            cursor.execute(_lookup_or_render_sql(query.sql), {**query.params, **address})
            etag, content, cached, lagging = cursor.fetchone()
        result = CachedTile(content=bytes(content), etag=etag, source="hit" if cached else "miss")
    else:
        with connections[cache_db].cursor() as cursor:
            cursor.execute(LOOKUP_SQL, address)
            etag, content, lagging = cursor.fetchone()
        if etag is not None:
            result = CachedTile(content=bytes(content), etag=etag, source="hit")
        else:
            with connections[render_db].cursor() as cursor:
                cursor.execute(_render_with_txid_sql(query.sql), query.params)
                txid, mvt = cursor.fetchone()
            data = bytes(mvt) if mvt else b""
            etag = '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'
            result = CachedTile(content=data, etag=etag, source="miss")
            if not _pending(render_db):
                tile_store(**address, txid=txid, etag=result.etag, content=result.content)
    if lagging:
        apply_invalidations(wait=False)
    return result
