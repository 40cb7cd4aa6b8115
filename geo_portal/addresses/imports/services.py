"""Door-plate write services: the all-or-nothing CSV import with diff, checks and report.

``import_doorplates`` is called by the ``import_doorplates`` command, ``demo_setup`` and the bench. It reads
the file once (streaming), COPYs valid rows into a staging table, runs the set-based checks, and merges in
one transaction: added / changed / retired plates, with history written by triggers. A refusal or error
leaves the database exactly as it was (a failed-batch record is written afterwards).
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

import pghistory
import psycopg
from django.db import DataError, connection, transaction
from django.utils import timezone

from geo_portal.addresses.imports import sql
from geo_portal.addresses.imports.presets import PRESETS, STAGE_COLUMNS, Mapping, load_area_index, stage_rows_parallel
from geo_portal.changes.context import Cause, change_context
from geo_portal.core.db import advisory_lock, bulk_load_mode, copy_rows
from geo_portal.core.geo import KNOWN_SRIDS
from geo_portal.ingest.csvio import (
    ENCODING_ALIASES,
    MultiLineRow,
    first_line_of_digests,
    line_digests,
    read_csv,
    read_csv_lines,
)
from geo_portal.ingest.errors import Finding, ImportRefused
from geo_portal.ingest.models import ImportBatch
from geo_portal.ingest.progress import BatchProgress, mark_interrupted
from geo_portal.ingest.services import batch_record_failure, batch_start, read_findings, write_findings
from geo_portal.jobs.queue import defer_in_transaction

DOORPLATE_IMPORT_LOCK = 0x6770_0001  # advisory lock id: one door-plate import at a time
DEFAULT_RETIRE_LIMIT = 0.05
# Adding more rows than the table holds (a first load): rebuild the indexes once instead of row by row.
BULK_LOAD_MIN_ROWS = 50_000
# A file this large (~100 bytes a row: ~200,000 rows) read whole is staged in unlogged tables, for parallel workers.
PARALLEL_STAGING_MIN_BYTES = 20_000_000
# Jobs queued with an import (committed with it, run after it), by task name: addresses may not import buildings.
AFTER_IMPORT_TASKS = ("buildings.link_imported_plates", "addresses.assign_imported_zip_codes")
# A re-import reads again only the rows no active plate remembers (``imported_line``); when more than this share of
# the file is new, reading it all at once is cheaper than the two passes (and keeps the row set in memory small).
SKIP_MAX_NEW_SHARE = 0.2
# The first pass of a re-import runs in the importer when the file and the plates table each hold up to this many
# lines and rows (~120 + ~150 bytes of memory each; ~0.3 s for 100,000 of both), in PostgreSQL otherwise (bounded
# memory, ~0.8 s for 100,000).
LINES_HASHED_IN_PROCESS = 1_000_000
# Below this share of plates written, a re-import leaves the table's statistics to autovacuum (ANALYZE costs ~0.2 s
# per 100,000 plates, more than the rest of a monthly update).
ANALYZE_MIN_CHANGED_SHARE = 0.1
# The code that turns a row into a plate: part of every row's hash salt, so a changed parser reads every row again.
_READER_MODULES = ("parsing.py", "variants.py", "imports/staging.py", "imports/sql.py", "../core/numerals.py")


class _ReadWholeFile(Exception):
    """A row read again comes before an unchanged row with the same address: read the whole file instead."""


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    batch_id: int
    dry_run: bool
    counts: dict[str, int]
    findings: list[Finding] = field(default_factory=list)
    report_path: Path | None = None
    seconds: float = 0.0
    # The applied batch this run found to be the same file with nothing changed since (then nothing was written).
    same_as_batch: int | None = None

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
        for skip_unchanged in (True, False):
            try:
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
                        skip_unchanged=skip_unchanged,
                    )
                    if dry_run:
                        transaction.set_rollback(True)
                    elif result.same_as_batch is None:
                        for task_name in AFTER_IMPORT_TASKS:
                            defer_in_transaction(task_name, since_batch_id=result.batch_id)
                break
            except _ReadWholeFile:
                continue  # rolled back; the second pass reads every row
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
    skip_unchanged: bool,
) -> ImportResult:
    findings: list[Finding] = []

    def stage(name: str) -> None:
        if tracker is not None:
            tracker.stage(name)

    with advisory_lock(DOORPLATE_IMPORT_LOCK):
        mark_interrupted(kind=ImportBatch.Kind.DOORPLATES)
        stage("reading and checking rows")
        header, _ = read_csv(path, encoding=encoding)
        mapping = Mapping.build(header, mapping_columns)
        areas = load_area_index(district)
        if tracker is not None:
            batch = ImportBatch.objects.get(pk=tracker.batch_id)
        else:
            batch = batch_start(kind=ImportBatch.Kind.DOORPLATES, path=path, options=options)
        mapping.salt = _fingerprint(header, mapping_columns, srid, encoding, district).encode()
        _, rows = read_csv(path, encoding=encoding, digest_salt=mapping.salt)
        with connection.cursor() as cur:
            cur.execute("SELECT now()")  # this transaction's start: what plate writes after this import compare with
            began = cur.fetchone()[0]
        batch.options = {**batch.options, "fingerprint": mapping.salt.decode(), "transaction_began": began.isoformat()}
        if not dry_run and skip_unchanged:
            previous = _same_file_untouched(batch)
            if previous is not None:
                return _record_unchanged(batch, previous)
        with connection.cursor() as cur:
            cur.execute(sql.CREATE_STAGE)
            skipped, first_pass = 0, None
            if skip_unchanged:
                cur.execute(sql.HAS_LINE_MEMORY)
                if cur.fetchone()[0]:
                    stage("finding unchanged rows")
                    first_pass = _first_pass(cur, path, mapping.salt, encoding)
                    if first_pass is not None:
                        skipped = first_pass.unchanged
                        rows = _only(read_csv_lines(path, first_pass.wanted, encoding=encoding, salt=mapping.salt))
                    stage("reading and checking rows")
            # A large file read whole: staging tables the server's parallel workers can read (sql.create_stage).
            kind = sql.UNLOGGED if first_pass is None and path.stat().st_size > PARALLEL_STAGING_MIN_BYTES else sql.TEMP
            cur.execute(sql.create_stage(kind))
            counted = progress(rows) if progress else rows
            protected: list[tuple[int, str]] = []
            staged = copy_rows(
                "doorplate_stage", STAGE_COLUMNS, stage_rows_parallel(counted, mapping, areas, findings, protected)
            )
            copy_rows("doorplate_protected", ("district_id", "address_key"), protected)
            read = staged + len(findings) + skipped
            if staged == 0 and not skipped:
                raise ImportRefused(f"{path.name}: no valid rows ({len(findings)} rejected); nothing was imported")
            stage("set-based checks")
            if staged > BULK_LOAD_MIN_ROWS:
                # The checks' sorts (duplicates, the merge's joins) of a large file in memory, not on disk.
                cur.execute(sql.BULK_LOAD_SETTINGS)
            cur.execute(sql.CREATE_SCOPE, {"unchanged_districts": first_pass.districts if first_pass else []})
            cur.execute(sql.create_work(kind), {"srid": srid})
            if skipped:
                cur.execute(sql.ANALYZE_WORK)
            sql_rejected = _sql_checks(cur, findings, first_pass=first_pass)
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
                counts, active_after = _merge(
                    cur,
                    batch_id=batch.pk,
                    allow_mass_retire=allow_mass_retire,
                    retire_limit=retire_limit,
                    source=path.name,
                    findings=findings,
                    skipped=skipped,
                    active=first_pass.active if first_pass else None,
                    kind=kind,
                )
            if kind == sql.UNLOGGED:
                cur.execute(sql.DROP_BULK)
            counts["unchanged"] += skipped
            counts["loaded"] += skipped
            written = counts["added"] + counts["changed"] + counts["retired"] + counts["restored"]
            if not skipped or written > ANALYZE_MIN_CHANGED_SHARE * counts["loaded"]:
                stage("statistics")
                cur.execute("ANALYZE addresses_doorplate")
            batch.options["active_after"] = active_after
    counts.update(
        read=read,
        skipped=skipped,
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
    batch.save(update_fields=["counts", "report_path", "finished_at", "status", "stage", "options"])
    return ImportResult(batch_id=batch.pk, dry_run=dry_run, counts=counts, findings=findings, report_path=report)


def _fingerprint(header: list[str], columns: dict[str, str], srid: int, encoding: str, district: str | None) -> str:
    """What decides how a row becomes a plate besides the row itself: the layout and options, the village table
    (codes, names, boundaries) and the reading code. Salts every row's hash: change any of it, and every row is read."""
    with connection.cursor() as cur:
        cur.execute(sql.AREAS_DIGEST)
        areas_digest = cur.fetchone()[0]
    digest = hashlib.md5(usedforsecurity=False)
    here = Path(__file__).resolve().parents[1]
    for name in _READER_MODULES:
        digest.update((here / name).read_bytes())
    options = [header, sorted(columns.items()), srid, encoding.lower(), district or "", areas_digest]
    digest.update(json.dumps(options, ensure_ascii=False).encode())
    return digest.hexdigest()


def _same_file_untouched(batch: ImportBatch) -> ImportBatch | None:
    """The last applied door-plate import, when it read this very file (same SHA-256, same fingerprint) and no
    plate has been written since but by imports and the zip-code job: re-running it would change nothing."""
    from geo_portal.addresses.zipcodes.services import ZIP_ACTOR

    previous = (
        ImportBatch.objects.filter(kind=ImportBatch.Kind.DOORPLATES, status=ImportBatch.Status.APPLIED)
        .exclude(pk=batch.pk)
        .order_by("-started_at", "-pk")
        .first()
    )
    if previous is None or not batch.source_sha256 or previous.source_sha256 != batch.source_sha256:
        return None
    if not previous.report_path or not Path(previous.report_path).is_file():
        return None  # its findings are reported again from that report
    began = previous.options.get("transaction_began")
    if previous.options.get("fingerprint") != batch.options["fingerprint"] or not began:
        return None
    with connection.cursor() as cur:
        cur.execute(sql.TOUCHED_SINCE, {"since": began, "zip_actor": ZIP_ACTOR})
        if cur.fetchone()[0]:
            return None
        cur.execute(sql.ACTIVE_PLATES)  # none deleted since (a deletion leaves no row to find)
        if cur.fetchone()[0] != previous.options.get("active_after"):
            return None
    return previous


def _record_unchanged(batch: ImportBatch, previous: ImportBatch) -> ImportResult:
    """Record the run as ``unchanged``: the previous batch's reading of the file and its findings, nothing written."""
    before = previous.counts
    loaded = before.get("loaded", 0)
    counts = {key: before.get(key, 0) for key in ("read", "loaded", "rejected", "warnings", "villages_assigned")}
    counts.update(
        added=0, changed=0, retired=0, restored=0, conflicts=0, unchanged=loaded, skipped=loaded,
        active_before=loaded, roads_added=0, neighborhoods_added=0, same_as_batch=previous.pk,
    )  # fmt: skip
    batch.counts = counts
    batch.report_path = previous.report_path
    batch.message = (
        f"the same file as batch {previous.pk} (SHA-256 {batch.source_sha256[:16]}…) and no plate changed since "
        "but by imports: nothing was written"
    )
    batch.finished_at = timezone.now()
    batch.status, batch.stage = ImportBatch.Status.UNCHANGED, "done"
    batch.save(update_fields=["counts", "report_path", "message", "finished_at", "status", "stage", "options"])
    report = Path(previous.report_path)
    return ImportResult(
        batch_id=batch.pk, dry_run=False, counts=counts, findings=read_findings(report), report_path=report,
        same_as_batch=previous.pk,
    )  # fmt: skip


def _only(rows: Iterator[tuple]) -> Iterator[tuple]:
    try:
        yield from rows
    except MultiLineRow:
        raise _ReadWholeFile from None


@dataclass
class _FirstPass:
    """What the first pass of a re-import found: the active plates a line of the file matches (unchanged, their rows
    skipped), the lines to read, and the unchanged plates' districts. The active plates no line matched are left in
    the temporary table ``doorplate_unmatched``."""

    unchanged: int
    wanted: set[int]
    districts: list[int]
    # An unchanged plate's line, by its digest (the pass in this process) or by its id (the pass in the server).
    first_line: dict[bytes, int] | None = None
    # The active plates by district, counted by the pass in this process (the merge's count before it, without a scan).
    active: Counter[int] | None = None

    def rows_of(self, cur, plates: list[tuple[int, bytes]]) -> dict[int, int]:
        """The line of each (plate id, line digest) of unchanged plates, by plate id."""
        if self.first_line is not None:
            return {pk: self.first_line[bytes(digest)] for pk, digest in plates if bytes(digest) in self.first_line}
        cur.execute(sql.UNCHANGED_ROWS, {"ids": [pk for pk, _ in plates]})
        return dict(cur.fetchall())


def _first_pass(cur, path: Path, salt: bytes, encoding: str) -> _FirstPass | None:
    """First pass of a re-import: the digest of every line, and the active plates that remember theirs. None (nothing
    marked unchanged) when most of the file is new."""
    # Both sides are held in memory: the file's digests, and the active plates' memories (all of them, whichever
    # districts the file speaks for: a small file against a national table is a large pass).
    cur.execute(sql.PLATES_ESTIMATE)
    if cur.fetchone()[0] > LINES_HASHED_IN_PROCESS:
        return _first_pass_in_server(cur, path, salt, encoding)
    # The plates' memories are read while this process hashes the file: the query goes out first without waiting
    # for its result (pipeline mode), the server scans on the other core, and the result is read after the hashing.
    # (On a second thread instead, the scan's reads waited for the interpreter lock the hashing holds: each step
    # ran three times slower. One after the other: ~0.2 s; overlapped: ~0.13 s.)
    raw = connection.connection
    with psycopg.Cursor(raw) as plates_cursor, raw.pipeline():
        plates_cursor.execute(sql.ACTIVE_LINES, binary=True)
        found = first_line_of_digests(path, salt, limit=LINES_HASHED_IN_PROCESS)
        packed, bare_ids, bare_districts = plates_cursor.fetchone()
    plates = _active_plates(packed, bare_ids, bare_districts)
    if found is None:
        return _first_pass_in_server(cur, path, salt, encoding)
    first_line, total = found
    line_of = first_line.get  # psycopg reads a bytea as bytes: the digest is a key as it comes (None matches nothing)
    active = Counter(district for _, district, _ in plates)
    unmatched: list[int] = []
    matched_lines: set[int] = set()
    districts: set[int] = set()
    for pk, district, digest in plates:
        line = line_of(digest)
        if line is None:
            unmatched.append(pk)
        else:
            matched_lines.add(line)
            districts.add(district)
    unchanged = len(matched_lines)
    if not unchanged or total - unchanged > SKIP_MAX_NEW_SHARE * total:
        return None
    cur.execute(sql.ADD_UNMATCHED, {"ids": unmatched})
    wanted = set(range(2, total + 2)) - matched_lines
    return _FirstPass(unchanged, wanted, sorted(districts), first_line, active)


def _active_plates(packed: bytes | None, bare_ids: list[int] | None, bare_districts: list[int] | None) -> list[tuple]:
    """(id, district, line digest or None) of every active plate, from ``sql.ACTIVE_LINES``'s packed result."""
    plates = list(struct.iter_unpack(sql.ACTIVE_LINE_RECORD, packed or b""))
    plates += zip(bare_ids or (), bare_districts or (), repeat(None))
    return plates


def _first_pass_in_server(cur, path: Path, salt: bytes, encoding: str) -> _FirstPass | None:
    """The first pass of a large file in PostgreSQL: its lines' digests and the plates matched there (bounded memory
    in the importer); the unchanged plates are kept with their lines in ``doorplate_unchanged``."""
    cur.execute(sql.CREATE_LINES)
    if not _lines_hashed_by_postgres(cur, path, salt, encoding):
        with cur.cursor.copy("COPY doorplate_lines (row_no, line_hash) FROM STDIN") as copy:
            buffer: list[str] = []
            for line_no, digest in line_digests(path, salt):
                buffer.append(f"{line_no}\t{digest}\n")
                if len(buffer) == 10_000:
                    copy.write("".join(buffer))
                    buffer.clear()
            copy.write("".join(buffer))
    cur.execute(sql.FIND_UNCHANGED)
    unchanged = cur.rowcount
    cur.execute(sql.COUNT_LINES)
    total = cur.fetchone()[0]
    if not unchanged or total - unchanged > SKIP_MAX_NEW_SHARE * total:
        cur.execute(sql.FORGET_UNCHANGED)
        return None
    # No ANALYZE of the skipped rows (~0.05 s for 100,000): the joins with them are hash joins either way, and a
    # temporary table without statistics is estimated from its size.
    cur.execute(sql.ROWS_TO_READ)
    wanted = {row for (row,) in cur.fetchall()}
    cur.execute(sql.UNCHANGED_DISTRICTS)
    return _FirstPass(unchanged, wanted, sorted(d for (d,) in cur.fetchall()))


def _lines_hashed_by_postgres(cur, path: Path, salt: bytes, encoding: str) -> bool:
    """The first pass in the server: the file's bytes COPYed as one text column per line (no quoting, no escapes),
    each line's md5 computed there — the same digest as ``line_digest``, with no Python work per line. UTF-8 files
    only; a line COPY cannot take as it is (mixed line endings, a NUL or \\x01 byte) leaves it to Python."""
    if ENCODING_ALIASES.get(encoding.lower()) != "utf-8-sig":
        return False
    try:
        with transaction.atomic():
            cur.execute(sql.CREATE_RAW_LINES)
            with cur.cursor.copy(sql.COPY_RAW_LINES) as copy, path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
            if not re.fullmatch(r"[0-9a-f]{32}", salt.decode()):
                raise ValueError(f"not a fingerprint: {salt!r}")
            cur.execute(sql.HASH_RAW_LINES.format(salt=salt.decode()))
    except DataError:
        return False
    return True


def _sql_checks(cur, findings: list[Finding], *, first_pass: _FirstPass | None = None) -> list[int]:
    """Set-based row checks; appends findings and returns the rejected row numbers."""
    rejected: list[int] = []
    cur.execute(sql.OUTSIDE_TAIWAN)
    for row, lonlat in cur.fetchall():
        findings.append(Finding(row, "x/y", lonlat, "point is outside Taiwan"))
        rejected.append(row)
    duplicates = []
    if first_pass is not None:
        cur.execute(sql.DUPLICATES_OF_UNCHANGED)
        found = cur.fetchall()
        rows = first_pass.rows_of(cur, [(pk, digest) for _, pk, digest, _, _ in found])
        # A plate whose line the first pass did not see (written since by someone else) is not one it skipped: read
        # the whole file rather than guess.
        if any(pk not in rows or rows[pk] > row for row, pk, *_ in found):
            raise _ReadWholeFile
        duplicates = [(row, rows[pk], street_key, hood) for row, pk, _, street_key, hood in found]
        cur.execute(sql.DUPLICATES_AMONG_READ, {"of_unchanged": [row for row, *_ in duplicates]})
    else:
        cur.execute(sql.DUPLICATES)
    for row, first_row, street_key, hood in sorted(duplicates + cur.fetchall()):
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
    cur,
    *,
    batch_id: int,
    allow_mass_retire: bool,
    retire_limit: float,
    source: str,
    findings: list[Finding],
    skipped: int = 0,
    active: Counter[int] | None = None,
    kind: str = sql.TEMP,
) -> tuple[dict[str, int], int]:
    """Merge the incoming rows into the plates; returns the counts and the number of active plates after it. ``active``:
    the active plates by district, when the first pass counted them."""
    cur.execute(sql.ADD_ROADS)
    roads_added = cur.fetchone()[0]
    cur.execute(sql.ADD_ROAD_VARIANTS)
    cur.execute(sql.ADD_NEIGHBORHOODS)
    neighborhoods_added = cur.fetchone()[0]
    cur.execute(sql.create_incoming(kind))
    cur.execute(sql.ANALYZE_INCOMING)
    if active is None:
        cur.execute(sql.ACTIVE_IN_SCOPE)
        active_before, active_all_before = cur.fetchone()
    else:
        cur.execute(sql.SCOPE)
        active_before, active_all_before = sum(active[d] for (d,) in cur.fetchall()), active.total()
    cur.execute(sql.CREATE_TO_RETIRE_UNMATCHED if skipped else sql.CREATE_TO_RETIRE)
    cur.execute("SELECT count(*) FROM doorplate_to_retire")
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
        bulk = False
        if to_add > BULK_LOAD_MIN_ROWS:
            cur.execute(sql.TABLE_ROWS)
            bulk = to_add > cur.fetchone()[0]
        with ExitStack() as bulk_load:
            if bulk:
                # The plates' history gets as many rows as the plates: when it holds fewer, its indexes are built
                # once after the load too (BULK_LOAD_SETTINGS, set after staging, gives the builds memory and workers).
                cur.execute(sql.HISTORY_ROWS)
                if to_add > cur.fetchone()[0]:
                    bulk_load.enter_context(bulk_load_mode(sql.HISTORY_TABLE))
                bulk_load.enter_context(bulk_load_mode("addresses_doorplate"))
            if bulk:
                cur.execute(sql.RESERVE_IDS)
                first_id, first_row, last_row = cur.fetchone()
                cur.execute(sql.SET_LAST_ID, {"last": first_id + last_row - first_row})
                numbering = {"first_id": first_id, "first_row": first_row}
                cur.execute(sql.INSERT_ADDED_NUMBERED, {"batch": batch_id, "actor": actor, **numbering})
            else:
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
    }, active_all_before + added + restored - retired
