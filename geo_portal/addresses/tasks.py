"""Jobs of the addresses app: give the plates of a door-plate import their 3+3 zip codes once it has committed.

Queued by ``imports.import_doorplates`` through ``geo_portal.jobs.queue.defer_on_commit``; run by the worker,
retried with backoff. Uses the rules stored by ``import_zip_rules``; no rules stored means no codes change.
"""

from __future__ import annotations

from django.db import transaction
from procrastinate.contrib.django import app

from geo_portal.addresses.zipcodes.services import assign_zip_codes
from geo_portal.jobs.queue import RETRY_TRANSIENT, lock_timeout

ASSIGN_IMPORTED_ZIP_CODES_TASK = "addresses.assign_imported_zip_codes"


# queueing_lock: a waiting job already covers later batches (it reads plates stamped since its batch and plates
# without a code when it runs), so a second import queues none. lock: never two assignments at once.
@app.task(
    name=ASSIGN_IMPORTED_ZIP_CODES_TASK,
    queueing_lock=ASSIGN_IMPORTED_ZIP_CODES_TASK,
    lock=ASSIGN_IMPORTED_ZIP_CODES_TASK,
    retry=RETRY_TRANSIENT,
)
def assign_imported_zip_codes(*, since_batch_id: int) -> dict[str, int]:
    """Assign codes to plates without one and to those batches ``since_batch_id`` and later added or changed."""
    with transaction.atomic(), lock_timeout():
        return assign_zip_codes(since_batch_id=since_batch_id).counts
