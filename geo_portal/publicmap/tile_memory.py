"""Cached tiles' bytes kept in the worker process, in front of the shared tile cache (``tile_cache``). Called by the
tile view.

The shared cache decides, in one statement, whether its stored tile is still valid (its txid against the change
log's marks; see ``tile_cache``). This layer asks that same question without reading the tile: the statement returns
only the valid tile's ETag (an MD5 of its bytes), and when it equals the ETag of the bytes held here, those bytes are
served. So a tile is served from memory exactly when the shared cache would serve the same bytes; anything else (no
valid stored tile, another one, an empty or aggregated layer) goes through ``tile_cache.get_tile`` as before. What
this saves per request is PostgreSQL reading the tile out of TOAST and sending it, and psycopg copying it.
Once a held tile has been found valid at the public channel's latest txid T (with every change up to T applied to
the marks), nothing can invalidate it until a later change commits: while the process's reading of the latest txid
(``changes.recent``, at most ``PUBLIC_DATA_RECHECK_SECONDS`` old) is still T, the tile is served without a statement.
Empty tiles (204) are held too: on a map of a district, a third of the tiles have nothing to draw.
``TILE_MEMORY_BYTES`` bounds the memory per process (least recently used tiles go first; 0: off).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.conf import settings
from django.db import connections

from geo_portal.changes.recent import public_txid
from geo_portal.publicmap.services import apply_invalidations
from geo_portal.publicmap.tile_cache import _HIT, _STATE, CachedTile, get_tile

# The valid stored tile's ETag (NULL when there is none), whether the marks lag, and the latest txid, in one snapshot.
VALID_ETAG_SQL = f"""WITH v AS MATERIALIZED ({_STATE}), hit AS MATERIALIZED ({_HIT.replace("t.etag, t.content", "t.etag")})
SELECT hit.etag, v.applied <> v.latest, v.latest FROM v LEFT JOIN hit ON true"""
# What a held tile costs besides its bytes (key, tuple, dictionary slot), so that empty tiles count too.
ENTRY_OVERHEAD = 256

_lock = threading.Lock()
# address → (ETag, bytes, the latest txid at which the shared cache last held exactly these bytes, or None)
_tiles: OrderedDict[tuple[str, int, int, int], tuple[str, bytes, int | None]] = OrderedDict()
_bytes = 0


def tile(layer: str, z: int, x: int, y: int) -> CachedTile:
    """The tile as ``tile_cache.get_tile`` answers it, its bytes from this process's memory when they are current."""
    budget = settings.TILE_MEMORY_BYTES
    address = (layer, z, x, y)
    # The cache's own connection (the primary: its tables are unlogged, a replica has none).
    alias = settings.TILE_CACHE_DB
    with _lock:
        held = _tiles.get(address)
    if held is not None:
        etag, content, valid_at = held
        # Outside a transaction only: inside one, this connection may hold changes of its own that no txid numbers
        # yet (the validity statement checks for them).
        if valid_at is not None and not connections[alias].in_atomic_block and valid_at == public_txid(alias):
            _touch(address)
            return CachedTile(content=content, etag=etag, source="hit")
        with connections[alias].cursor() as cursor:
            cursor.execute(VALID_ETAG_SQL, {"layer": layer, "z": z, "x": x, "y": y})
            valid_etag, lagging, latest = cursor.fetchone()
        if lagging:
            apply_invalidations(wait=False)
        if valid_etag == etag:
            _touch(address, None if lagging else latest)
            return CachedTile(content=content, etag=etag, source="hit")
    result = get_tile(layer, z, x, y)
    if budget > 0 and result.source in ("hit", "miss") and len(result.content) <= budget // 16:
        _remember(address, result.etag, result.content, budget)
    return result


def _touch(address: tuple[str, int, int, int], valid_at: int | None = None) -> None:
    """Mark a held tile as just used (and, given ``valid_at``, as valid at that txid)."""
    with _lock:
        held = _tiles.get(address)
        if held is not None:
            if valid_at is not None:
                _tiles[address] = (held[0], held[1], valid_at)
            _tiles.move_to_end(address)


def _remember(address: tuple[str, int, int, int], etag: str, content: bytes, budget: int) -> None:
    global _bytes
    with _lock:
        old = _tiles.pop(address, None)
        if old is not None:
            _bytes -= len(old[1]) + ENTRY_OVERHEAD
        _tiles[address] = (etag, content, None)
        _bytes += len(content) + ENTRY_OVERHEAD
        while _bytes > budget and _tiles:
            _, (_, dropped, _) = _tiles.popitem(last=False)
            _bytes -= len(dropped) + ENTRY_OVERHEAD


def forget() -> None:
    """Drop every tile held in this process (tests)."""
    global _bytes
    with _lock:
        _tiles.clear()
        _bytes = 0
