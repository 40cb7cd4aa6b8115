"""The platform's cache, shared by every worker process: Django's database cache plus atomic window counters.

Per-process caches (``LocMemCache``) multiplied every limit by the number of gunicorn workers. This backend keeps
entries in PostgreSQL (``core_cache``), where every worker and server sees them, and adds ``hit_window`` for the
sliding-window throttles (``core.throttling``): one call of the SQL function ``core_throttle_take`` per request or
per lease of requests (large limits: a hundredth of the limit at once, so a tile server asks PostgreSQL once per
30 tiles, not per tile), atomic under concurrency (the counter row is locked). ``clear()`` empties both.

Configured as ``CACHES["default"]`` in settings; DRF's own rate throttles (reports, exports, batch) keep their
request histories in the cache part.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router

from geo_portal.core.models import ThrottleCounter


@dataclass(frozen=True)
class WindowHit:
    """What one throttled request found: whether it was let through, and the two windows' counts after it."""

    allowed: bool
    current: int
    previous: int


# Requests granted to this process but not served yet, per counter key (a key names its window, so a lease ends
# with its window). Shared by the process's threads.
_leases: dict[str, int] = {}
_leases_lock = threading.Lock()
_LEASES_MAX_KEYS = 10_000


def lease_size(limit: int) -> int:
    """Requests taken from the shared counter at once: 1 (exact) for small limits, a hundredth of large ones.

    A process may so hold up to ``lease - 1`` unserved requests of a window: the limit counts them as used, so a
    client gets at most the limit everywhere together, and at worst ``(lease - 1) × processes`` fewer.
    """
    return max(1, limit // settings.THROTTLE_LEASE_DIVISOR)


class SharedCache(DatabaseCache):
    """``DatabaseCache`` on the table ``core_cache`` (LOCATION), plus the throttle counters."""

    def hit_window(self, *, key: str, previous_key: str, limit: int, previous_weight: float, ttl_s: int) -> WindowHit:
        """Count a request in ``key``'s window unless ``current + previous × weight`` has reached ``limit``.

        Served from this process's lease when it holds one; otherwise one atomic SQL call takes a new lease (as
        many requests as fit, up to ``lease_size``). The counts returned are the shared counter's at the last call.
        """
        with _leases_lock:
            held = _leases.get(key, 0)
            if held > 0:
                _leases[key] = held - 1
                return WindowHit(allowed=True, current=-1, previous=-1)
        db = router.db_for_write(ThrottleCounter)
        with connections[db].cursor() as cursor:
            cursor.execute(
                "SELECT granted, current_hits, previous_hits FROM core_throttle_take(%s, %s, %s, %s, %s, %s)",
                [key, previous_key, limit, previous_weight, timedelta(seconds=ttl_s), lease_size(limit)],
            )
            granted, current, previous = cursor.fetchone()
        if granted > 1:
            with _leases_lock:
                if len(_leases) > _LEASES_MAX_KEYS:
                    _leases.clear()
                _leases[key] = _leases.get(key, 0) + granted - 1
        return WindowHit(allowed=granted > 0, current=current, previous=previous)

    def clear(self) -> None:
        super().clear()
        forget_leases()
        db = router.db_for_write(ThrottleCounter)
        with connections[db].cursor() as cursor:
            cursor.execute("DELETE FROM core_throttle_counter")


def forget_leases() -> None:
    """Drop the requests this process holds on lease (with the shared rows deleted, they count for nothing)."""
    with _leases_lock:
        _leases.clear()
