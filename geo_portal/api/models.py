"""Batch geocoding jobs: a large CSV geocoded on the job queue, its progress, and its result kept for a while.

Created by ``batch_jobs.batch_job_create`` (the API and the batch page), run by ``tasks.geocode_batch``. The
requester holds the only key: an unguessable token returned once; only its SHA-256 is stored, so the table (or a
backup of it) cannot be used to fetch someone's result. Files live in ``settings.GEOCODE_BATCH_DIR`` (mode 0700,
files 0600) and go with their row when it expires (``tasks.purge_expired_batches``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    file_name = models.CharField(_("file name"), max_length=200)
    encoding = models.CharField(_("encoding"), max_length=10)
    address_column = models.CharField(_("address column"), max_length=100, blank=True)
    rows_total = models.PositiveIntegerField(_("rows (estimate)"))
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    by_status = models.JSONField(_("rows by status"), default=dict)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("batch geocoding job")
        verbose_name_plural = _("batch geocoding jobs")
        indexes = [models.Index(fields=["expires_at"], name="batchjob_expires_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rows_done__lte=models.F("rows_total")), name="batchjob_done_within_total"
            )
        ]

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.status})"
