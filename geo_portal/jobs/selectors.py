"""Reads of the job queue for staff: ``jobs_summary()`` — jobs by status, and the jobs that failed in the last day.

Called by the staff home page (``geo_portal.staff``) and anything else that shows the queue's health. Reads
procrastinate's tables through its read-only Django models and our error log (``models.JobError``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateEvent, ProcrastinateJob

from geo_portal.jobs.models import JobError

STATUSES = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted")


@dataclass(frozen=True)
class FailedJob:
    """A job that ended ``failed``: when, after how many attempts, and the last error it raised."""

    id: int
    task_name: str
    failed_at: datetime
    attempts: int
    error_type: str
    error: str


@dataclass(frozen=True)
class JobsSummary:
    counts: dict[str, int]  # every status in STATUSES, zero included
    failed_last_day: int  # how many jobs ended failed in the 24 hours before ``at``
    recent_failures: tuple[FailedJob, ...]  # the newest of those, newest first (at most ``limit``)
    at: datetime


def jobs_summary(*, now: datetime | None = None, limit: int = 10) -> JobsSummary:
    """Job counts by status and the jobs that failed in the last 24 hours, each with its last error."""
    now = now or timezone.now()
    counts = dict.fromkeys(STATUSES, 0)
    for row in ProcrastinateJob.objects.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    # A job fails once (its final attempt); a manual retry can make it fail again: count the job, not the events.
    failed = (
        ProcrastinateEvent.objects.filter(type="failed", at__gte=now - timedelta(days=1), at__lte=now, job__status="failed")
        .values("job_id")
        .annotate(failed_at=Max("at"))
        .order_by("-failed_at", "-job_id")
    )
    total = failed.count()
    newest = list(failed[:limit])
    jobs = ProcrastinateJob.objects.in_bulk([row["job_id"] for row in newest])
    last_errors: dict[int, JobError] = {}
    for error in JobError.objects.filter(job_id__in=jobs).order_by("job_id", "-attempt", "-id").distinct("job_id"):
        last_errors[error.job_id] = error
    recent = tuple(
        FailedJob(
            id=row["job_id"],
            task_name=jobs[row["job_id"]].task_name,
            failed_at=row["failed_at"],
            attempts=jobs[row["job_id"]].attempts,
            error_type=last_errors[row["job_id"]].error_type if row["job_id"] in last_errors else "",
            error=last_errors[row["job_id"]].message if row["job_id"] in last_errors else "",
        )
        for row in newest
    )
    return JobsSummary(counts=counts, failed_last_day=total, recent_failures=recent, at=now)
