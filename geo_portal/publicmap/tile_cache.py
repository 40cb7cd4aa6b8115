"""Cached vector tiles with strong ETags, keyed by the versions of the layers a tile is drawn from.

A tile is encoded once per data version; any write to plates, buildings or villages bumps the version
(database triggers, see ``models.LayerVersion``), so stale tiles are never served and need no purge.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import connections

from geo_portal.publicmap.tiles import LAYER_SOURCES, check_tile, render_tile

TILE_CACHE_ALIAS = "tiles"


@dataclass(frozen=True)
class CachedTile:
    content: bytes
    etag: str
    cached: bool  # served from the cache (False: encoded by this request)


def layer_versions() -> dict[str, int]:
    """Current version of every map layer (one indexed read of a three-row table)."""
    with connections[settings.SEARCH_DB].cursor() as cursor:
        cursor.execute("SELECT name, version FROM publicmap_layerversion")
        return dict(cursor.fetchall())


def tile_key(layer: str, z: int, x: int, y: int, versions: dict[str, int]) -> str:
    stamp = ".".join(str(versions.get(source, 0)) for source in LAYER_SOURCES[layer])
    return f"tile:{layer}:{stamp}:{z}:{x}:{y}"


def get_tile(layer: str, z: int, x: int, y: int) -> CachedTile:
    """The tile from the cache, or encoded now and cached (``tiles.TileOutOfRange`` for a bad address)."""
    check_tile(layer, z, x, y)
    cache = caches[TILE_CACHE_ALIAS]
    key = tile_key(layer, z, x, y, layer_versions())
    hit = cache.get(key)
    if hit is not None:
        etag, content = hit
        return CachedTile(content=content, etag=etag, cached=True)
    content = render_tile(layer, z, x, y)
    etag = '"' + hashlib.blake2b(content, digest_size=12).hexdigest() + '"'
    cache.set(key, (etag, content))
    return CachedTile(content=content, etag=etag, cached=False)
