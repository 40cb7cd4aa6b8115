"""Jobs of the buildings app: link the plates of a door-plate import to their buildings once it has committed.

``addresses.imports.import_doorplates`` queues ``buildings.link_imported_plates`` by name (addresses may not
import buildings) through ``geo_portal.jobs.queue.defer_on_commit``. Run by the worker; retried with backoff.
"""

from __future__ import annotations

from django.db import transaction
from procrastinate.contrib.django import app

from geo_portal.buildings.linking import link_changed_plates
from geo_portal.jobs.queue import RETRY_TRANSIENT, lock_timeout

LINK_IMPORTED_PLATES_TASK = "buildings.link_imported_plates"


# queueing_lock: while one link job waits in the queue, another import queues none — the waiting job reads the
# plates of every batch since its own when it runs. lock: two workers never link at the same time.
@app.task(
    name=LINK_IMPORTED_PLATES_TASK,
    queueing_lock=LINK_IMPORTED_PLATES_TASK,
    lock=LINK_IMPORTED_PLATES_TASK,
    retry=RETRY_TRANSIENT,
)
def link_imported_plates(*, since_batch_id: int) -> dict[str, int]:
    """Link the plates door-plate batches ``since_batch_id`` and later added or changed; unlink retired ones."""
    with transaction.atomic(), lock_timeout():
        return link_changed_plates(since_batch_id=since_batch_id)
