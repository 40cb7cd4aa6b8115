"""The queue's own housekeeping: a nightly job deletes finished jobs (and their errors) older than a setting.

Discovered by procrastinate's Django app (every installed app's ``tasks`` module); run by the worker.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef
from procrastinate import JobContext
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from geo_portal.jobs.models import JobError

PRUNE_JOBS_TASK = "jobs.prune_finished_jobs"


@app.periodic(cron="23 3 * * *")  # daily at 03:23, away from the hour marks other schedules use
@app.task(name=PRUNE_JOBS_TASK, queueing_lock=PRUNE_JOBS_TASK, pass_context=True)
async def prune_finished_jobs(context: JobContext, timestamp: int) -> int:
    """Delete jobs that ended (succeeded, failed, cancelled, aborted) over ``JOBS_KEEP_DAYS`` ago; return errors pruned."""
    await context.app.job_manager.delete_old_jobs(
        nb_hours=int(settings.JOBS_KEEP_DAYS) * 24, include_failed=True, include_cancelled=True, include_aborted=True
    )
    orphans = JobError.objects.filter(~Exists(ProcrastinateJob.objects.filter(pk=OuterRef("job_id"))))
    deleted, _ = await orphans.adelete()
    return deleted
