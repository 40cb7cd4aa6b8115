"""Jobs of the API: geocode a batch file (``geocode_batch``), and delete expired batch results every night.

Queued by ``batch_jobs.batch_job_create`` with the job's id only; discovered by procrastinate's Django app.
"""

from __future__ import annotations

from procrastinate import JobContext
from procrastinate.contrib.django import app

from geo_portal.api.batch_jobs import GEOCODE_BATCH_TASK, batch_job_fail, batch_job_run, purge_expired_batches
from geo_portal.jobs.queue import RETRY_TRANSIENT

PURGE_BATCHES_TASK = "api.purge_expired_batches"


@app.task(name=GEOCODE_BATCH_TASK, retry=RETRY_TRANSIENT, pass_context=True)
def geocode_batch(context: JobContext, *, batch_id: int) -> str:
    """Run one batch; after its last attempt fails, the batch says so to its requester (the error is logged)."""
    try:
        return batch_job_run(batch_id=batch_id)
    except Exception as exc:
        last = not RETRY_TRANSIENT.get_retry_decision(exception=exc, job=context.job)
        if last:
            batch_job_fail(batch_id=batch_id, error="the batch could not be completed; please send the file again")
        raise


# Nightly, at a time no other schedule uses. An expired job answers 404 at once (``batch_job_for_token``); this only
# removes its row and files. (Not hourly: a worker started within 10 minutes after an hourly slot defers that run,
# which the queue's tests would count.)
@app.periodic(cron="53 2 * * *")
@app.task(name=PURGE_BATCHES_TASK, queueing_lock=PURGE_BATCHES_TASK)
def purge_batches(timestamp: int) -> int:
    """Delete expired batch jobs and their files; returns how many."""
    return purge_expired_batches()
