"""An ``ImportBatch`` records one run of an importer: what file, what options, what happened."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    """One importer run. Applied batches are referenced by the rows they created or changed."""

    class Kind(models.TextChoices):
        DOORPLATES = "doorplates", _("door plates")
        VILLAGES = "villages", _("village attributes")
        BOUNDARIES = "boundaries", _("boundaries")
        BUILDINGS = "buildings", _("buildings")
        ROAD_NAMES = "road_names", _("road names")

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        APPLIED = "applied", _("applied")
        DRY_RUN = "dry_run", _("dry run")
        # The same file as the last applied import, nothing changed since: recorded, nothing written.
        UNCHANGED = "unchanged", _("unchanged")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    source_name = models.CharField(_("source file"), max_length=500)
    source_sha256 = models.CharField(_("SHA-256 of the source"), max_length=64)
    options = models.JSONField(_("options"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    counts = models.JSONField(_("counts"), default=dict)
    report_path = models.CharField(_("rejected-rows report"), max_length=500, blank=True)
    message = models.TextField(_("message"), blank=True)
    # Where a running import is (written through its own connection, so it survives the import's rollback or a
    # killed process) and the database backend doing the work (a dead backend means the run was interrupted).
    stage = models.CharField(_("stage"), max_length=60, blank=True, default="", db_default="")
    backend_pid = models.IntegerField(_("database backend"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["kind", "-started_at"], name="importbatch_kind_started_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.source_name} ({self.get_status_display()})"
