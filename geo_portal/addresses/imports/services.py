"""Door-plate write services: the all-or-nothing CSV import with diff, checks and report.

``import_doorplates`` is called by the ``import_doorplates`` command, ``demo_setup`` and the bench. It reads
the file once (streaming), COPYs valid rows into a staging table, runs the set-based checks, and merges in
one transaction: added / changed / retired plates, with history written by triggers. A refusal or error
leaves the database exactly as it was (a failed-batch record is written afterwards).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pghistory
from django.db import connection, transaction
from django.utils import timezone

from geo_portal.addresses.imports import sql
from geo_portal.addresses.imports.presets import PRESETS, STAGE_COLUMNS, Mapping, load_area_index, stage_rows_parallel
from geo_portal.changes.context import Cause, change_context
from geo_portal.core.db import advisory_lock, bulk_load_mode, copy_rows
from geo_portal.core.geo import KNOWN_SRIDS
from geo_portal.ingest.csvio import read_csv
from geo_portal.ingest.errors import Finding, ImportRefused
from geo_portal.ingest.models import ImportBatch
from geo_portal.ingest.progress import BatchProgress, mark_interrupted
from geo_portal.ingest.services import batch_record_failure, batch_start, write_findings
from geo_portal.jobs.queue import defer_in_transaction

DOORPLATE_IMPORT_LOCK = 0x6770_0001  # advisory lock id: one door-plate import at a time
DEFAULT_RETIRE_LIMIT = 0.05
# Adding more rows than the table holds (a first load): rebuild the indexes once instead of row by row.
BULK_LOAD_MIN_ROWS = 50_000
# Jobs queued with an import (committed with it, run after it), by task name: addresses may not import buildings.
AFTER_IMPORT_TASKS = ("buildings.link_imported_plates", "addresses.assign_imported_zip_codes")


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    batch_id: int
    dry_run: bool
    counts: dict[str, int]
    findings: list[Finding] = field(default_factory=list)
    report_path: Path | None = None
    seconds: float = 0.0

    @property
    def rejected(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "rejected"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    @property
    def conflicts(self) -> list[Finding]:
        """Fields staff changed since the last import that this file changes differently (kept, for a clerk)."""
        return [f for f in self.findings if f.level == "conflict"]


def resolve_layout(*, preset: str | None, columns: dict[str, str] | None, srid: int | None) -> tuple[dict[str, str], int]:
    """Combine a preset and/or an explicit column mapping; the SRID must be known, never guessed."""
    mapping: dict[str, str] = {}
    preset_srid = None
    if preset:
        if preset not in PRESETS:
            raise ImportRefused(f"unknown preset {preset!r}; known: {', '.join(sorted(PRESETS))}")
        mapping.update(PRESETS[preset].columns)
        preset_srid = PRESETS[preset].srid
    mapping.update(columns or {})
    if not mapping:
        raise ImportRefused("give a --preset or a column mapping (--map address=COLUMN --map x=COLUMN --map y=COLUMN)")
    chosen = srid or preset_srid
    if chosen is None:
        raise ImportRefused(
            "the file does not say its coordinate system: pass --srid (4326 for lon/lat, 3826 for TWD97 TM2)"
        )
    if chosen not in KNOWN_SRIDS:
        raise ImportRefused(f"--srid {chosen} is not supported; use one of {', '.join(map(str, sorted(KNOWN_SRIDS)))}")
    return mapping, chosen


def import_doorplates(
    *,
    path: Path,
    preset: str | None = None,
    columns: dict[str, str] | None = None,
    srid: int | None = None,
    encoding: str = "utf-8",
    district: str | None = None,
    dry_run: bool = False,
    allow_mass_retire: bool = False,
    retire_limit: float = DEFAULT_RETIRE_LIMIT,
    report_dir: Path | None = None,
    progress: Callable[[Iterator], Iterator] | None = None,
) -> ImportResult:
    """Import door plates from a CSV file. Raises ``ImportRefused`` (nothing changed) when the input is refused."""
    started = time.perf_counter()
    options = {
        "preset": preset,
        "columns": columns or {},
        "srid": srid,
        "encoding": encoding,
        "district": district,
        "dry_run": dry_run,
        "allow_mass_retire": allow_mass_retire,
    }
    # A real run on its own records itself through a second connection, so a refusal, a failure or a killed process
    # still leaves a record saying where it stopped; inside a caller's transaction the record is part of it.
    tracker = None
    if not dry_run and not connection.in_atomic_block:
        tracker = BatchProgress(kind=ImportBatch.Kind.DOORPLATES, path=path, options=options)
    try:
        mapping_columns, chosen_srid = resolve_layout(preset=preset, columns=columns, srid=srid)
        with transaction.atomic():
            result = _import_in_transaction(
                path=path,
                mapping_columns=mapping_columns,
                srid=chosen_srid,
                encoding=encoding,
                district=district,
                dry_run=dry_run,
                allow_mass_retire=allow_mass_retire,
                retire_limit=retire_limit,
                options=options,
                report_dir=report_dir,
                progress=progress,
                tracker=tracker,
            )
            if dry_run:
                transaction.set_rollback(True)
            else:
                for task_name in AFTER_IMPORT_TASKS:
                    defer_in_transaction(task_name, since_batch_id=result.batch_id)
    except Exception as exc:
        message = str(exc) if isinstance(exc, ImportRefused) else f"{type(exc).__name__}: {exc}"
        if tracker is not None:
            tracker.failed(message)
        elif isinstance(exc, ImportRefused):
            batch_record_failure(kind=ImportBatch.Kind.DOORPLATES, path=path, options=options, message=message)
        raise
    finally:
        if tracker is not None:
            tracker.close()
    if dry_run:
        now = timezone.now()
        batch = ImportBatch.objects.create(
            kind=ImportBatch.Kind.DOORPLATES,
            source_name=str(path),
            source_sha256="",
            options=options,
            status=ImportBatch.Status.DRY_RUN,
            counts=result.counts,
            report_path=str(result.report_path or ""),
            started_at=now,
            finished_at=now,
        )
        result.batch_id = batch.pk
    result.seconds = time.perf_counter() - started
    return result


def _import_in_transaction(
    *,
    path: Path,
    mapping_columns: dict[str, str],
    srid: int,
    encoding: str,
    district: str | None,
    dry_run: bool,
    allow_mass_retire: bool,
    retire_limit: float,
    options: dict,
    report_dir: Path | None,
    progress: Callable[[Iterator], Iterator] | None,
    tracker: BatchProgress | None,
) -> ImportResult:
    findings: list[Finding] = []

    def stage(name: str) -> None:
        if tracker is not None:
            tracker.stage(name)

    with advisory_lock(DOORPLATE_IMPORT_LOCK):
        mark_interrupted(kind=ImportBatch.Kind.DOORPLATES)
        stage("reading and checking rows")
        header, rows = read_csv(path, encoding=encoding)
        mapping = Mapping.build(header, mapping_columns)
        areas = load_area_index(district)
        if tracker is not None:
            batch = ImportBatch.objects.get(pk=tracker.batch_id)
        else:
            batch = batch_start(kind=ImportBatch.Kind.DOORPLATES, path=path, options=options)
        with connection.cursor() as cur:
            cur.execute(sql.CREATE_STAGE)
            counted = progress(rows) if progress else rows
            protected: list[tuple[int, str]] = []
            staged = copy_rows(
                "doorplate_stage", STAGE_COLUMNS, stage_rows_parallel(counted, mapping, areas, findings, protected)
            )
            copy_rows("doorplate_protected", ("district_id", "address_key"), protected)
            read = staged + len(findings)
            if staged == 0:
                raise ImportRefused(f"{path.name}: no valid rows ({len(findings)} rejected); nothing was imported")
            stage("set-based checks")
            cur.execute(sql.CREATE_WORK, {"srid": srid})
            sql_rejected = _sql_checks(cur, findings)
            if sql_rejected:
                cur.execute(sql.PROTECT_REJECTED, {"rows": sql_rejected})
                cur.execute(sql.DELETE_ROWS, {"rows": sql_rejected})
            cur.execute(sql.ASSIGN_VILLAGES)
            assigned = cur.rowcount
            cur.execute(sql.OUTSIDE_VILLAGE)
            findings.extend(
                Finding(row, "location", name, f"point lies outside its declared village {name}", "warning")
                for row, name in cur.fetchall()
            )
            stage("merge")
            # Every change of the merge (roads, 鄰, plates) is one transaction of the change log, caused by the batch.
            with change_context(actor=f"import batch {batch.pk}", cause=Cause.IMPORT_BATCH, ref=batch.pk):
                counts = _merge(
                    cur,
                    batch_id=batch.pk,
                    allow_mass_retire=allow_mass_retire,
                    retire_limit=retire_limit,
                    source=path.name,
                    findings=findings,
                )
            stage("statistics")
            cur.execute("ANALYZE addresses_doorplate")
    counts.update(
        read=read,
        rejected=sum(f.level == "rejected" for f in findings),
        warnings=sum(f.level == "warning" for f in findings),
        villages_assigned=assigned,
    )
    stamp = f"{batch.pk}-{'dry-run' if dry_run else 'applied'}"
    report = write_findings(kind="doorplates", stamp=stamp, findings=findings, directory=report_dir)
    batch.counts = counts
    batch.report_path = str(report)
    batch.finished_at = timezone.now()
    batch.status, batch.stage = ImportBatch.Status.APPLIED, "done"
    # The import's last write to its batch row: the progress connection must not touch the row after this.
    batch.save(update_fields=["counts", "report_path", "finished_at", "status", "stage"])
    return ImportResult(batch_id=batch.pk, dry_run=dry_run, counts=counts, findings=findings, report_path=report)


def _sql_checks(cur, findings: list[Finding]) -> list[int]:
    """Set-based row checks; appends findings and returns the rejected row numbers."""
    rejected: list[int] = []
    cur.execute(sql.OUTSIDE_TAIWAN)
    for row, lonlat in cur.fetchall():
        findings.append(Finding(row, "x/y", lonlat, "point is outside Taiwan"))
        rejected.append(row)
    cur.execute(sql.DUPLICATES)
    for row, first_row, street_key, hood in cur.fetchall():
        where = f"{hood}鄰 " if hood else ""
        findings.append(
            Finding(
                row, "address", f"{where}{street_key}", f"duplicate of row {first_row} (same address after normalisation)"
            )
        )
        rejected.append(row)
    return rejected


def _conflict(row: int, plate_id: int, version: int, by: str, at, field: str, detail: str) -> Finding:
    """A field staff changed since the last import that this file would change differently: kept, reported."""
    when = timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
    what = f"the file would move it {detail} m" if field == "location" else f"the file says {detail}"
    return Finding(
        row, field, f"plate {plate_id}",
        f"staff changed this plate after the last import ({by}, {when}, version {version}); {what}; "
        "kept the plate's value — a clerk decides",
        "conflict",
    )  # fmt: skip


def _merge(
    cur, *, batch_id: int, allow_mass_retire: bool, retire_limit: float, source: str, findings: list[Finding]
) -> dict[str, int]:
    cur.execute(sql.ADD_ROADS)
    roads_added = cur.fetchone()[0]
    cur.execute(sql.ADD_ROAD_VARIANTS)
    cur.execute(sql.ADD_NEIGHBORHOODS)
    neighborhoods_added = cur.fetchone()[0]
    cur.execute(sql.CREATE_INCOMING)
    cur.execute(sql.ANALYZE_INCOMING)
    cur.execute(sql.ACTIVE_IN_SCOPE)
    active_before = cur.fetchone()[0]
    cur.execute(sql.COUNT_TO_RETIRE)
    to_retire = cur.fetchone()[0]
    if active_before and to_retire > retire_limit * active_before and not allow_mass_retire:
        raise ImportRefused(
            f"this file would retire {to_retire} of {active_before} active plates "
            f"({to_retire / active_before:.1%}, limit {retire_limit:.0%}); nothing was imported. "
            "Check that the file is complete, or pass --allow-mass-retire."
        )
    actor = f"import batch {batch_id}"
    with pghistory.context(import_batch=batch_id, source=source):
        cur.execute(
            sql.RETIRE,
            {"today": timezone.localdate(), "reason": f"absent from import batch {batch_id} ({source})", "actor": actor},
        )
        retired = cur.rowcount
        cur.execute(sql.CREATE_MATCHED)
        cur.execute(sql.CONFLICTS)
        conflicts = [_conflict(*row) for row in cur.fetchall()]
        cur.execute(sql.UPDATE_CHANGED, {"batch": batch_id, "actor": actor})
        changed = sum(1 for (public,) in cur.fetchall() if public)
        cur.execute(sql.CREATE_RETURNING)
        cur.execute(sql.RETIRED_BY_STAFF)
        conflicts += [
            Finding(row, "status", f"plate {pk}",
                    f"staff retired this plate on {retired_on} ({by}, version {version}); the file still lists it; "
                    "not re-added — a clerk decides", "conflict")
            for row, pk, version, by, _at, retired_on in cur.fetchall()
        ]  # fmt: skip
        cur.execute(sql.RESTORE, {"batch": batch_id, "actor": actor})
        restored = cur.rowcount
        cur.execute(sql.COUNT_TO_ADD)
        to_add = cur.fetchone()[0]
        cur.execute(sql.TABLE_ROWS)
        bulk = to_add > BULK_LOAD_MIN_ROWS and to_add > cur.fetchone()[0]
        with bulk_load_mode("addresses_doorplate") if bulk else nullcontext():
            cur.execute(sql.INSERT_ADDED, {"batch": batch_id, "actor": actor})
            added = cur.rowcount
    cur.execute(sql.COUNT_INCOMING)
    incoming = cur.fetchone()[0]
    findings.extend(conflicts)
    return {
        "added": added,
        "changed": changed,
        "retired": retired,
        "restored": restored,
        "conflicts": len(conflicts),
        "unchanged": incoming - added - changed - restored - len(conflicts),
        "loaded": incoming,
        "active_before": active_before,
        "roads_added": roads_added,
        "neighborhoods_added": neighborhoods_added,
    }
