"""The job error log: what a failed attempt raised, one row per failed attempt.

procrastinate keeps a job's status and events but not the exception that failed it (that goes to the worker's
log only). ``queue.record_job_errors`` (a worker middleware) writes one ``JobError`` per failed attempt, so staff
see why a job failed in the admin and on the staff home page (``selectors.jobs_summary``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from procrastinate.contrib.django.models import ProcrastinateJob


class JobError(models.Model):
    """One failed attempt of a job: the exception's type and message (never a traceback with local values)."""

    # No database constraint: procrastinate deletes old jobs with its own SQL, which a foreign key would block.
    # ``tasks.prune_finished_jobs`` removes the rows whose job is gone.
    job = models.ForeignKey(
        ProcrastinateJob,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="errors",
        verbose_name=_("job"),
    )
    task_name = models.CharField(_("task"), max_length=128)
    attempt = models.PositiveIntegerField(_("attempt"))
    error_type = models.CharField(_("error type"), max_length=200)
    message = models.TextField(_("message"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("job error")
        verbose_name_plural = _("job errors")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["at"], name="joberror_at_idx")]

    def __str__(self) -> str:
        return f"job {self.job_id} attempt {self.attempt}: {self.error_type}"
