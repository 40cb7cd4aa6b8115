"""Cached tiles' bytes kept in the worker process, in front of the shared tile cache (``tile_cache``). Called by the
tile view.

The shared cache decides, in one statement, whether its stored tile is still valid (its txid against the change
log's marks; see ``tile_cache``). This layer asks that same question without reading the tile: the statement returns
only the valid tile's ETag (an MD5 of its bytes), and when it equals the ETag of the bytes held here, those bytes are
served. So a tile is served from memory exactly when the shared cache would serve the same bytes; anything else (no
valid stored tile, another one, an empty or aggregated layer) goes through ``tile_cache.get_tile`` as before. What
this saves per request is PostgreSQL reading the tile out of TOAST and sending it, and psycopg copying it.
``TILE_MEMORY_BYTES`` bounds the memory per process (least recently used tiles go first; 0: off).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.conf import settings
from django.db import connections

from geo_portal.publicmap.services import apply_invalidations
from geo_portal.publicmap.tile_cache import _HIT, _STATE, CachedTile, get_tile

# The valid stored tile's ETag (NULL when there is none) and whether the marks lag, in one snapshot.
VALID_ETAG_SQL = f"""WITH v AS MATERIALIZED ({_STATE}), hit AS MATERIALIZED ({_HIT.replace("t.etag, t.content", "t.etag")})
SELECT hit.etag, v.applied <> v.latest FROM v LEFT JOIN hit ON true"""

_lock = threading.Lock()
_tiles: OrderedDict[tuple[str, int, int, int], tuple[str, bytes]] = OrderedDict()
_bytes = 0


def tile(layer: str, z: int, x: int, y: int) -> CachedTile:
    """The tile as ``tile_cache.get_tile`` answers it, its bytes from this process's memory when they are current."""
    budget = settings.TILE_MEMORY_BYTES
    address = (layer, z, x, y)
    with _lock:
        held = _tiles.get(address)
    if held is not None:
        # The cache's own connection (the primary: its tables are unlogged, a replica has none).
        with connections[settings.TILE_CACHE_DB].cursor() as cursor:
            cursor.execute(VALID_ETAG_SQL, {"layer": layer, "z": z, "x": x, "y": y})
            etag, lagging = cursor.fetchone()
        if lagging:
            apply_invalidations(wait=False)
        if etag == held[0]:
            with _lock:
                if address in _tiles:
                    _tiles.move_to_end(address)
            return CachedTile(content=held[1], etag=etag, source="hit")
    result = get_tile(layer, z, x, y)
    if budget > 0 and result.source in ("hit", "miss") and result.content and len(result.content) <= budget // 16:
        _remember(address, result.etag, result.content, budget)
    return result


def _remember(address: tuple[str, int, int, int], etag: str, content: bytes, budget: int) -> None:
    global _bytes
    with _lock:
        old = _tiles.pop(address, None)
        if old is not None:
            _bytes -= len(old[1])
        _tiles[address] = (etag, content)
        _bytes += len(content)
        while _bytes > budget and _tiles:
            _, (_, dropped) = _tiles.popitem(last=False)
            _bytes -= len(dropped)


def forget() -> None:
    """Drop every tile held in this process (tests)."""
    global _bytes
    with _lock:
        _tiles.clear()
        _bytes = 0
