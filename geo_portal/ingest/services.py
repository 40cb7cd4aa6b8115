"""Batch bookkeeping for importers: start and finish an ``ImportBatch``, write the findings report.

Failed runs are recorded after their own transaction rolled back, so the record survives while the data
is exactly as before.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from geo_portal.core.csvsafe import neutralise_row, recover
from geo_portal.ingest.errors import Finding
from geo_portal.ingest.models import ImportBatch


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def batch_start(*, kind: str, path: Path, options: dict) -> ImportBatch:
    """Create the batch row inside the caller's transaction (rolled back with it on failure)."""
    return ImportBatch.objects.create(
        kind=kind,
        source_name=str(path),
        source_sha256=file_sha256(path),
        options=options,
        status=ImportBatch.Status.APPLIED,
        started_at=timezone.now(),
    )


def batch_record_failure(*, kind: str, path: Path, options: dict, message: str) -> ImportBatch:
    """Record a refused or failed run (called after the import transaction rolled back)."""
    sha = file_sha256(path) if path.is_file() else ""
    now = timezone.now()
    return ImportBatch.objects.create(
        kind=kind,
        source_name=str(path),
        source_sha256=sha,
        options=options,
        status=ImportBatch.Status.FAILED,
        message=message[:5000],
        started_at=now,
        finished_at=now,
    )


def write_findings(*, kind: str, stamp: str, findings: Iterable[Finding], directory: Path | None = None) -> Path:
    """Write findings as CSV (row, level, field, value, reason), sorted by row; returns the path."""
    directory = directory or (settings.GIS_DATA_DIR / "reports")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{kind}-{stamp}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "level", "field", "value", "reason"])
        for f in sorted(findings, key=lambda f: (f.row, f.level, f.field)):
            # The value comes from the imported file: a cell that would run as a formula gets a leading '.
            writer.writerow(neutralise_row([f.row, f.level, f.field, f.value, f.reason]))
    return path


def read_findings(path: Path) -> list[Finding]:
    """The findings of a report ``write_findings`` wrote (values as they were before neutralising), in its order."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        next(rows, None)
        return [Finding(int(row), field, recover(value), reason, level) for row, level, field, value, reason in rows]
