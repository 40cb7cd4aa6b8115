"""The platform's cache, shared by every worker process: Django's database cache plus atomic window counters.

Per-process caches (``LocMemCache``) multiplied every limit by the number of gunicorn workers. This backend keeps
entries in PostgreSQL (``core_cache``), where every worker and server sees them, and adds ``hit_window`` for the
sliding-window throttles (``core.throttling``): one call of the SQL function ``core_throttle_hit`` per request,
atomic under concurrency (the row is locked by ``INSERT … ON CONFLICT DO UPDATE``). ``clear()`` empties both.

Configured as ``CACHES["default"]`` in settings; DRF's own rate throttles (reports, exports, batch) keep their
request histories in the cache part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router

from geo_portal.core.models import ThrottleCounter


@dataclass(frozen=True)
class WindowHit:
    """What one throttled request found: whether it was let through, and the two windows' counts after it."""

    allowed: bool
    current: int
    previous: int


class SharedCache(DatabaseCache):
    """``DatabaseCache`` on the table ``core_cache`` (LOCATION), plus the throttle counters."""

    def hit_window(self, *, key: str, previous_key: str, limit: int, previous_weight: float, ttl_s: int) -> WindowHit:
        """Count a request in ``key``'s window unless ``current + previous × weight`` has reached ``limit``."""
        db = router.db_for_write(ThrottleCounter)
        with connections[db].cursor() as cursor:
            cursor.execute(
                "SELECT allowed, current_hits, previous_hits FROM core_throttle_hit(%s, %s, %s, %s, %s)",
                [key, previous_key, limit, previous_weight, timedelta(seconds=ttl_s)],
            )
            allowed, current, previous = cursor.fetchone()
        return WindowHit(allowed=allowed, current=current, previous=previous)

    def clear(self) -> None:
        super().clear()
        db = router.db_for_write(ThrottleCounter)
        with connections[db].cursor() as cursor:
            cursor.execute("DELETE FROM core_throttle_counter")
