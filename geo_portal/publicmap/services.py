"""Tile-cache writes, all on the default connection: ``tile_store`` (keeps a tile encoded apart from its lookup),
``apply_invalidations`` (marks what changed, from the change log) and ``prune_tile_cache`` (drops invalid tiles and
old marks). The lookups of aggregated tiles run on the read-only ``search`` connection (role ``geo_portal_reader``)
and the tiles are encoded on ``SEARCH_DB`` (a replica when one is configured); a street-level tile encoded on the
primary is looked up, encoded and stored by one statement on the default connection (``tile_cache.get_tile``).

``apply_invalidations`` is called by the tile lookup whenever it finds the marks lagging behind the change log
(``tile_cache.get_tile``) and by the nightly prune job (``tasks``); it is idempotent and serialised by an advisory
lock. What an event of each entity dirties follows what each layer draws (``tiles``):

- plates layer: z ≥ 13 draws plates (clusters, points) inside the tile → the tiles around the plate's old and
  new position; z ≤ 12 draws counts per village (11–12) or district (≤ 10) at the area's label point, which may
  lie in another tile → the whole zoom level, for a plate, a village (boundary, name) or a district event;
- buildings layer (z ≥ 15): footprints → the tiles around the old and new footprint;
- villages layer (z ≥ 10): village boundaries and label points (inside the boundary) → the tiles around the old
  and new boundary. It draws nothing of districts, so a district event leaves it alone;
- roads: drawn by no layer.

"Around" = tiles whose envelope widened by the drawing buffer (BUFFER/EXTENT, plus one grid unit for the
quantisation) meets the geometry's bounding box; more than ``MAX_TILES_PER_MARK`` of them at one zoom make a
whole-zoom mark, more than ``WHOLE_LAYER_EVENTS`` events for a layer in one batch (an import) a whole-layer mark.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction

from geo_portal.publicmap import sql
from geo_portal.publicmap.tiles import (
    BUILDINGS_MIN_ZOOM,
    CLUSTER_MIN_ZOOM,
    LAYERS,
    MAX_ZOOM,
    VILLAGE_COUNTS_MIN_ZOOM,
    VILLAGES_MIN_ZOOM,
)

TILE_CACHE_LOCK = 0x6770_0101  # advisory lock id: one applier or pruner of tile marks at a time
WHOLE_LAYER_EVENTS = 2_000
MAX_TILES_PER_MARK = 64
# Marks younger than this are kept by the prune: a tile encoded from a snapshot taken before the mark's change
# committed may still be on its way into the cache (a render takes seconds; an hour is a wide margin).
KEEP_MARKS = timedelta(hours=1)

# (entity, layer, kind, min zoom, max zoom); kind "tiles": the tiles around the geometry, "zoom": whole zoom levels.
RULES: tuple[tuple[str, str, str, int, int], ...] = (
    ("plate", "plates", "tiles", CLUSTER_MIN_ZOOM, MAX_ZOOM),
    ("plate", "plates", "zoom", 0, CLUSTER_MIN_ZOOM - 1),
    ("village", "plates", "zoom", VILLAGE_COUNTS_MIN_ZOOM, CLUSTER_MIN_ZOOM - 1),
    ("district", "plates", "zoom", 0, VILLAGE_COUNTS_MIN_ZOOM - 1),
    ("building", "buildings", "tiles", BUILDINGS_MIN_ZOOM, MAX_ZOOM),
    ("village", "villages", "tiles", VILLAGES_MIN_ZOOM, MAX_ZOOM),
)


@dataclass(frozen=True)
class Applied:
    """What one run did: marks for txids (after, upto], and the layers marked whole."""

    after: int
    upto: int
    marks: int
    whole_layers: tuple[str, ...] = ()
    reset: bool = False


def _cursor():
    return connection.cursor()


def tile_store(*, layer: str, z: int, x: int, y: int, txid: int, etag: str, content: bytes) -> bool:
    """Keep a tile encoded from a snapshot that saw ``txid`` (``sql.STORE_TILE`` says when it is refused: encoded
    before a change whose marks are already applied). True when stored."""
    with _cursor() as cur:
        cur.execute(sql.STORE_TILE, {"layer": layer, "z": z, "x": x, "y": y, "txid": txid, "etag": etag, "content": content})
        return cur.rowcount == 1


def _lock(cur, *, wait: bool) -> bool:
    if wait:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [TILE_CACHE_LOCK])
        return True
    cur.execute("SELECT pg_try_advisory_xact_lock(%s)", [TILE_CACHE_LOCK])
    return cur.fetchone()[0]


def apply_invalidations(*, wait: bool = True) -> Applied | None:
    """Record the marks of every committed change after the applied txid, and advance it to the latest.

    ``wait=False`` (the tile lookup) returns None at once when another process is applying: it will catch up.
    """
    with transaction.atomic(), _cursor() as cur:
        if not _lock(cur, wait=wait):
            return None
        # A statement after the lock: its snapshot sees the previous applier's commit.
        cur.execute(sql.STATE)
        applied, latest, horizon = cur.fetchone()
        if applied is not None and applied == latest:
            return Applied(after=applied, upto=latest, marks=0)
        if applied is None or applied > latest:
            # No state row, or a change log that went backwards: the cached tiles' stamps mean nothing.
            for statement in sql.RESET:
                cur.execute(statement)
            cur.execute(sql.SET_APPLIED, {"txid": latest})
            return Applied(after=latest, upto=latest, marks=0, reset=True)
        if applied < horizon:
            # Events up to the horizon may have been compacted away: what changed is no longer known exactly.
            whole = LAYERS
        else:
            cur.execute(sql.EVENT_COUNTS, {"after": applied, "upto": latest})
            per_entity = dict(cur.fetchall())
            per_layer: Counter[str] = Counter()
            for entity, layer in {(rule[0], rule[1]) for rule in RULES}:
                per_layer[layer] += per_entity.get(entity, 0)
            whole = tuple(layer for layer in LAYERS if per_layer[layer] > WHOLE_LAYER_EVENTS)
        marks = 0
        if whole:
            cur.execute(sql.MARK_WHOLE_LAYERS, {"layers": list(whole), "txid": latest})
            marks += cur.rowcount
        rules = [rule for rule in RULES if rule[1] not in whole]
        if rules:
            entities, layers, kinds, zmins, zmaxs = (list(column) for column in zip(*rules, strict=True))
            cur.execute(
                sql.MARK_EVENTS,
                {
                    "entities": entities,
                    "layers": layers,
                    "kinds": kinds,
                    "zmins": zmins,
                    "zmaxs": zmaxs,
                    "after": applied,
                    "upto": latest,
                    "max_tiles": MAX_TILES_PER_MARK,
                    **sql.TILE_PARAMS,
                },
            )
            marks += cur.rowcount
        cur.execute(sql.SET_APPLIED, {"txid": latest})
    return Applied(after=applied, upto=latest, marks=marks, whole_layers=tuple(whole))


@dataclass(frozen=True)
class Pruned:
    tiles_deleted: int
    marks_deleted: int


def prune_tile_cache(*, keep_marks: timedelta = KEEP_MARKS) -> Pruned:
    """Delete the cached tiles that are invalid against the marks, then the marks older than ``keep_marks``.

    Why this is safe: after the first delete every cached tile's txid is at least every mark covering it, so no
    mark still invalidates a tile in the cache. A mark matters again only for a tile encoded from a snapshot
    taken before the mark's change committed and stored later — a render in flight, which ``keep_marks`` (far
    longer than any tile statement) outlasts. Marks not yet applied need not be: the tiles they will invalidate
    are refused by their txid once they are (and by the lookup's lag check until then).
    """
    with transaction.atomic(), _cursor() as cur:
        _lock(cur, wait=True)
        cur.execute(sql.PRUNE_INVALID_TILES)
        tiles = cur.rowcount
        cur.execute(sql.PRUNE_MARKS, {"keep": keep_marks})
        marks = cur.rowcount
    return Pruned(tiles_deleted=tiles, marks_deleted=marks)
