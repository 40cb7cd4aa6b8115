"""Batch geocoding as jobs: create one from an upload, run it on the queue with progress, find it by its token, purge
expired ones. Also the limits of the synchronous batch (rows, seconds) that send larger files here.

Called by the API views (``views``), the batch page's script through them, and ``tasks``. The upload is checked
(size, encoding and header, address column) before anything is stored, so a refusal leaves nothing behind; the job is
queued in the same transaction as its row (``jobs.queue.defer_in_transaction``), so no worker sees a job without a
row or a row without a job.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from geo_portal.addresses.search.batch import geocode_csv, geocode_rows
from geo_portal.addresses.search.batch_input import count_lines
from geo_portal.api.models import BatchJob
from geo_portal.ingest.errors import ImportRefused
from geo_portal.jobs.queue import defer_in_transaction

GEOCODE_BATCH_TASK = "api.geocode_batch"
PROGRESS_EVERY_ROWS = 1_000  # the chunk size of a job: its progress moves at least this often


class BatchRefused(Exception):
    """The upload cannot become a job; ``fields`` name the form field and the reason."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__(fields)
        self.fields = fields


@dataclass(frozen=True)
class CreatedBatch:
    job: BatchJob
    token: str  # given to the requester once; only its hash is stored


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def batch_dir() -> Path:
    """The private folder of uploads and results (0700), created on first use."""
    path = Path(settings.GEOCODE_BATCH_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def input_path(job: BatchJob) -> Path:
    return batch_dir() / f"{job.pk}-in.csv"


def result_path(job: BatchJob) -> Path:
    return batch_dir() / f"{job.pk}-out.csv"


def _save_upload(upload: IO[bytes], path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        chunks = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b"")
        for chunk in chunks:
            out.write(chunk)


def check_upload(*, path: Path, name: str, address_column: str | None, encoding: str) -> None:
    """BatchRefused unless the file's header reads and names an address column (nothing is geocoded)."""
    try:
        geocode_rows(source=path, address_column=address_column, encoding=encoding)
    except ImportRefused as exc:
        raise BatchRefused({"file": [str(exc).replace(path.name, name)]}) from None


def batch_job_create(*, upload: IO[bytes], file_name: str, size: int, address_column: str, encoding: str) -> CreatedBatch:
    """Store the upload privately and queue its job; BatchRefused (nothing stored) for a file the job could not read."""
    limit = settings.GEOCODE_BATCH_JOB_MAX_BYTES
    if size > limit:
        raise BatchRefused({"file": [f"larger than {limit // (1024 * 1024)} MB; use the geocode_csv command"]})
    staging = batch_dir() / f"upload-{secrets.token_hex(8)}.csv"
    _save_upload(upload, staging)
    try:
        check_upload(path=staging, name=file_name, address_column=address_column or None, encoding=encoding)
        token = secrets.token_urlsafe(32)
        with transaction.atomic():
            job = BatchJob.objects.create(
                token_hash=token_hash(token),
                file_name=file_name[:200],
                encoding=encoding,
                address_column=address_column,
                rows_total=max(count_lines(staging) - 1, 0),
                expires_at=timezone.now() + timedelta(hours=settings.GEOCODE_BATCH_KEEP_HOURS),
            )
            os.replace(staging, input_path(job))
            defer_in_transaction(GEOCODE_BATCH_TASK, batch_id=job.pk)
    finally:
        staging.unlink(missing_ok=True)
    return CreatedBatch(job=job, token=token)


def batch_job_for_token(token: str, *, now: datetime | None = None) -> BatchJob | None:
    """The unexpired job of this token, or None (unknown and expired look the same to the asker)."""
    if not token or len(token) > 100:
        return None
    return BatchJob.objects.filter(token_hash=token_hash(token), expires_at__gt=now or timezone.now()).first()


def batch_job_run(*, batch_id: int) -> str:
    """Geocode the job's file into its result, recording progress; returns what happened. Run by the worker."""
    job = BatchJob.objects.filter(pk=batch_id).first()
    if job is None or job.status in (BatchJob.Status.DONE, BatchJob.Status.FAILED):
        return "nothing to do"
    BatchJob.objects.filter(pk=job.pk).update(status=BatchJob.Status.RUNNING, rows_done=0)
    done = 0

    def progress(rows: int) -> None:
        nonlocal done
        done += rows
        # Committed at once (no transaction around the run): the page polling the status sees it move.
        BatchJob.objects.filter(pk=job.pk).update(rows_done=min(done, job.rows_total))

    partial = result_path(job).with_suffix(".part")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write("\ufeff")  # Excel opens UTF-8 right with a byte-order mark
            stats = geocode_csv(
                source=input_path(job),
                out=out,
                address_column=job.address_column or None,
                encoding=job.encoding,
                progress=progress,
                chunk_rows=PROGRESS_EVERY_ROWS,
            )
    except ImportRefused as exc:
        partial.unlink(missing_ok=True)
        _finish(job, status=BatchJob.Status.FAILED, error=str(exc).replace(input_path(job).name, job.file_name))
        return "refused"
    except BaseException:
        partial.unlink(missing_ok=True)
        raise  # the queue records the error; the job is retried or ends failed (tasks.geocode_batch)
    os.replace(partial, result_path(job))
    input_path(job).unlink(missing_ok=True)
    _finish(job, status=BatchJob.Status.DONE, rows=stats.rows, by_status=stats.by_status)
    return f"{stats.rows} rows"


def batch_job_fail(*, batch_id: int, error: str) -> None:
    """Mark a job failed after its last attempt (the worker's error is in the job error log)."""
    job = BatchJob.objects.filter(pk=batch_id).first()
    if job is not None and job.status != BatchJob.Status.DONE:
        _finish(job, status=BatchJob.Status.FAILED, error=error)


def _finish(job: BatchJob, *, status: str, error: str = "", rows: int | None = None, by_status=None) -> None:
    fields = {"status": status, "error": error, "finished_at": timezone.now()}
    if rows is not None:
        fields.update(rows_total=rows, rows_done=rows, by_status=by_status or {})
    BatchJob.objects.filter(pk=job.pk).update(**fields)


def purge_expired_batches(*, now: datetime | None = None) -> int:
    """Delete expired jobs with their files, and stray uploads older than a day; returns the jobs deleted."""
    now = now or timezone.now()
    expired = list(BatchJob.objects.filter(expires_at__lte=now).values_list("pk", flat=True))
    folder = batch_dir()
    for pk in expired:
        for suffix in ("in.csv", "out.csv", "out.part"):
            (folder / f"{pk}-{suffix}").unlink(missing_ok=True)
    BatchJob.objects.filter(pk__in=expired).delete()
    cutoff = (now - timedelta(days=1)).timestamp()
    for stray in folder.glob("upload-*.csv"):
        if stray.stat().st_mtime < cutoff:
            stray.unlink(missing_ok=True)
    return len(expired)
