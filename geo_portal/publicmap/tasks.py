"""Jobs of the public map: a nightly prune of cached vector tiles older than ``TILE_CACHE_MAX_AGE_DAYS``, of tiles
made stale by changes and of old dirty marks (``services.prune_tile_cache``).

A cached tile is overwritten when its data changes, but tiles nobody asks for again (zooms and places out of
fashion, a retired layer version) would stay forever. Deferred by the worker's periodic scheduler.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from procrastinate.contrib.django import app

from geo_portal.publicmap.models import CachedTile
from geo_portal.publicmap.services import prune_tile_cache as prune_stale_tiles

PRUNE_TILE_CACHE_TASK = "publicmap.prune_tile_cache"


@app.periodic(cron="41 3 * * *")  # daily at 03:41, a quiet hour for the map
@app.task(name=PRUNE_TILE_CACHE_TASK, queueing_lock=PRUNE_TILE_CACHE_TASK)
def prune_tile_cache(timestamp: int) -> int:
    """Delete tiles stored before ``timestamp`` (the scheduled time, Unix seconds) minus the maximum age, then the
    stale tiles and old marks; returns the number of tiles deleted."""
    cutoff = datetime.fromtimestamp(timestamp, tz=UTC) - timedelta(days=int(settings.TILE_CACHE_MAX_AGE_DAYS))
    deleted, _ = CachedTile.objects.filter(created_at__lt=cutoff).delete()
    return deleted + prune_stale_tiles().tiles_deleted
