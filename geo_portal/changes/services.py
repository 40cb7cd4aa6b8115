"""Change-log maintenance: retention (``prune_events``), called by the periodic job and ``manage.py prune_changes``.

Pruning compacts rather than truncates: for transactions older than the retention period, an event is deleted
only when a later event of the same entity (still at or before the new horizon) supersedes it. Every entity's
state at the horizon therefore stays in the log, and a snapshot at any txid ≥ the horizon is still exact.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from geo_portal.changes.models import PUBLIC

PRUNE_LOCK = 0x6770_0003  # advisory lock id: one change-log pruner at a time

_PRUNE = """
WITH old AS (
    SELECT id, txid FROM changes_transaction
    WHERE channel = %(channel)s AND txid IS NOT NULL AND txid <= %(horizon)s
),
ranked AS (
    SELECT e.transaction_id, e.ordinal,
           row_number() OVER (PARTITION BY e.entity, e.entity_id ORDER BY o.txid DESC, e.ordinal DESC) AS rank,
           e.operation
    FROM changes_event e JOIN old o ON o.id = e.transaction_id
)
DELETE FROM changes_event WHERE (transaction_id, ordinal) IN (
    SELECT transaction_id, ordinal FROM ranked WHERE rank > 1 OR operation = 'delete'
)
"""


@transaction.atomic
def prune_events(*, retention: timedelta | None = None, channel: str = PUBLIC) -> dict[str, int]:
    """Compact events of transactions committed before now − retention; returns the new horizon and counts."""
    keep = retention if retention is not None else timedelta(days=settings.CHANGES_RETENTION_DAYS)
    cutoff = timezone.now() - keep
    with connection.cursor() as cur:
        # One pruner at a time; the channel row itself is locked only by the final UPDATE (writers number their
        # commits on it, so it must not be held through the DELETE).
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [PRUNE_LOCK])
        cur.execute("SELECT horizon_txid FROM changes_channel WHERE name = %s", [channel])
        row = cur.fetchone()
        if row is None:
            return {"horizon_txid": 0, "events_deleted": 0}
        (old_horizon,) = row
        cur.execute(
            "SELECT coalesce(max(txid), 0) FROM changes_transaction "
            "WHERE channel = %s AND txid IS NOT NULL AND committed_at < %s",
            [channel, cutoff],
        )
        (horizon,) = cur.fetchone()
        if horizon <= old_horizon:
            return {"horizon_txid": old_horizon, "events_deleted": 0}
        cur.execute(_PRUNE, {"channel": channel, "horizon": horizon})
        deleted = cur.rowcount
        cur.execute("UPDATE changes_channel SET horizon_txid = %s WHERE name = %s", [horizon, channel])
    return {"horizon_txid": horizon, "events_deleted": deleted}
