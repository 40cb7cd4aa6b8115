"""The public channel's latest txid as this process last read it: the version of the public data that the web
processes' own caches (the geocode answers in ``api.answer_cache``, the tiles in ``publicmap.tile_memory``) are kept
under. Called by those two modules.

Every committed change of public data numbers a new txid at its commit (``changes_latest_txid``). Reading it costs a
statement; under load, that statement was most of what a cached answer or tile cost. So outside a transaction it is
read at most once per ``PUBLIC_DATA_RECHECK_SECONDS`` per process (shared by its threads), the way the gazetteer
re-reads its road names: a committed change reaches those caches within that time (1 s by default; browsers keep a
tile for 60 s anyway). Inside a transaction — a service or a test on a connection that may hold changes of its own
— and with the setting at 0, it is read every time.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import connections

CHANNEL = "public"
_SQL = f"SELECT changes_latest_txid('{CHANNEL}')"

_lock = threading.Lock()
_seen: dict[str, tuple[float, int]] = {}  # database alias → (monotonic time read, txid)
clock = time.monotonic  # replaced by tests


def public_txid(alias: str) -> int:
    """The public channel's latest txid on the ``alias`` connection, at most ``PUBLIC_DATA_RECHECK_SECONDS`` old."""
    window = settings.PUBLIC_DATA_RECHECK_SECONDS
    connection = connections[alias]
    recent = window > 0 and not connection.in_atomic_block
    now = clock()
    if recent:
        seen = _seen.get(alias)
        if seen is not None and now - seen[0] < window:
            return seen[1]
    with connection.cursor() as cursor:
        cursor.execute(_SQL)
        txid = cursor.fetchone()[0]
    if recent:
        with _lock:
            _seen[alias] = (now, txid)
    return txid


def forget() -> None:
    """Read the txid afresh on the next call (tests)."""
    with _lock:
        _seen.clear()
