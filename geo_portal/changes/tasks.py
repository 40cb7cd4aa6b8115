"""Jobs of the change log: the nightly retention run (``services.prune_events``), deferred by the worker's scheduler."""

from __future__ import annotations

from procrastinate.contrib.django import app

from geo_portal.changes.services import prune_events

PRUNE_CHANGES_TASK = "changes.prune_events"


@app.periodic(cron="11 3 * * *")  # daily at 03:11
@app.task(name=PRUNE_CHANGES_TASK, queueing_lock=PRUNE_CHANGES_TASK)
def prune_changes(timestamp: int) -> dict[str, int]:
    """Compact events older than ``CHANGES_RETENTION_DAYS`` (every entity's state at the new horizon is kept)."""
    return prune_events()
