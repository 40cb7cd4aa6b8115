"""Batch geocoding: CSV in → CSV out, every input column kept and result columns added.

Called by the ``geocode_csv`` command, the synchronous ``POST /api/v1/geocode/batch`` endpoint and the batch jobs
(``api.batch_jobs``). Rows are read (``batch_input``: every broken record is a row error, never a stop) and written
in chunks (memory stays flat for millions of rows). Each chunk is parsed in Python, then matched in one set-based
query on the canonical street key (C-collated btree); only rows that query cannot settle (no exact match, several
鄰, unknown unit…) go through the full graded ``geocode``. Every cell written is neutralised against formula
injection (``core.csvsafe``). A stream that cannot finish (its time budget used up, or a failure) ends with a
``stopped`` row that says after which line, so a client never takes a cut file for a whole one.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.db import connection

from geo_portal.addresses.parsing import parse
from geo_portal.addresses.search.batch_input import Record, read_batch_csv
from geo_portal.addresses.search.gazetteer import gazetteer
from geo_portal.addresses.search.geocode import geocode, is_canonical
from geo_portal.addresses.search.results import Grade
from geo_portal.core.csvsafe import neutralise_row
from geo_portal.core.db import copy_rows
from geo_portal.ingest.errors import ImportRefused

logger = logging.getLogger(__name__)

RESULT_COLUMNS = [
    "geo_status",
    "geo_grade",
    "geo_plate_id",
    "geo_address",
    "geo_lon",
    "geo_lat",
    "geo_x",
    "geo_y",
    "geo_zip",
    "geo_village",
    "geo_note",
]
ADDRESS_COLUMN_GUESSES = ("address", "地址", "門牌", "FULL_ADDR", "addr", "門牌地址")
CHUNK = 10_000
# geo_status: ok (a plate), partial (its entrance: the unit is unknown), approximate (interpolated position),
# ambiguous (several plates, e.g. two 鄰), none, error (malformed row); stopped (the last row of a stream that could
# not finish: its note says after which line).
STATUS_BY_GRADE = {
    Grade.EXACT: "ok",
    Grade.NORMALISED: "ok",
    Grade.FUZZY: "ok",
    Grade.BASE: "partial",
    Grade.INTERPOLATED: "approximate",
}

_MATCH = """
SELECT s.row_no, count(p.id), min(p.id), min(p.address), min(ST_X(ST_Transform(p.geom, 4326))),
       min(ST_Y(ST_Transform(p.geom, 4326))), min(ST_X(p.geom)), min(ST_Y(p.geom)), min(p.zip_code), min(v.name)
FROM batch_stage s
JOIN addresses_doorplate p ON p.street_key = s.street_key AND p.status = 'active'
     AND (s.hood IS NULL OR p.address_key = s.street_key || '#' || s.hood)
     AND (s.districts IS NULL OR p.district_id = ANY(s.districts))
LEFT JOIN areas_village v ON v.id = p.village_id
GROUP BY s.row_no
"""


@dataclass
class BatchStats:
    rows: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_grade: dict[str, int] = field(default_factory=dict)

    def add(self, status: str, grade: str) -> None:
        self.rows += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1
        if grade:
            self.by_grade[grade] = self.by_grade.get(grade, 0) + 1


class BudgetExceeded(Exception):
    """A synchronous batch used up its time; the stream ends with a ``stopped`` row."""


def _pick_column(header: list[str], column: str | None) -> int:
    if column:
        if column not in header:
            raise ImportRefused(f"no column {column!r}; the header has {', '.join(header)}")
        return header.index(column)
    for guess in ADDRESS_COLUMN_GUESSES:
        if guess in header:
            return header.index(guess)
    raise ImportRefused(
        f"no address column found (looked for {', '.join(ADDRESS_COLUMN_GUESSES)}); pass --address-column. "
        f"The header has {', '.join(header)}"
    )


def _chunks(rows: Iterator[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _fmt(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _error(note: str) -> list[str]:
    return ["error", "", "", "", "", "", "", "", "", "", note]


def _match_chunk(chunk: list[Record], col: int, width: int) -> dict[int, list[str]]:
    """Result columns for every row of the chunk, keyed by line number."""
    results: dict[int, list[str]] = {}
    staged: list[tuple[int, str, int | None, str | None]] = []
    texts: dict[int, str] = {}
    canonical: dict[int, bool] = {}
    covered = [(d.id, d.county, d.name) for d in gazetteer().covered]
    for record in chunk:
        line, fields = record.line, record.fields
        if record.error:
            results[line] = _error(record.error)
            continue
        if len(fields) != width:
            results[line] = _error(f"line {line}: row has {len(fields)} fields, header has {width}")
            continue
        text = fields[col]
        texts[line] = text
        parsed = parse(text)
        if parsed.ok and parsed.address.number is not None:
            addr = parsed.address
            # Only the covered districts the text allows; a row naming another county or district goes to geocode,
            # which answers "outside the area".
            districts = [i for i, c, d in covered if addr.county in ("", c) and addr.district in ("", d)]
            if districts:
                ids = None if not (addr.county or addr.district) else "{" + ",".join(map(str, districts)) + "}"
                staged.append((line, addr.street(), addr.neighborhood, ids))
                canonical[line] = is_canonical(addr, text)
    if staged:
        with connection.cursor() as cur:
            cur.execute(
                "DROP TABLE IF EXISTS pg_temp.batch_stage; "
                'CREATE TEMP TABLE batch_stage (row_no integer, street_key text COLLATE "C", hood integer, '
                "districts bigint[])"
            )
            copy_rows("batch_stage", ("row_no", "street_key", "hood", "districts"), staged)
            cur.execute(_MATCH)
            for line, count, pk, address, lon, lat, x, y, zip_code, village in cur.fetchall():
                if count == 1:
                    grade = Grade.EXACT if canonical[line] else Grade.NORMALISED
                    results[line] = [
                        "ok",
                        grade,
                        str(pk),
                        address,
                        _fmt(lon, 6),
                        _fmt(lat, 6),
                        _fmt(x, 2),
                        _fmt(y, 2),
                        zip_code,
                        village or "",
                        "",
                    ]
            cur.execute("DROP TABLE pg_temp.batch_stage")
    for line, text in texts.items():
        if line in results:
            continue
        result = geocode(text, limit=2)  # the slow path: only rows the set-based match could not settle
        if result.hits:
            hit = result.hits[0]
            status = "ambiguous" if len(result.hits) > 1 else STATUS_BY_GRADE[result.grade]
            results[line] = [
                status,
                result.grade,
                str(hit.plate_id or ""),
                hit.address,
                _fmt(hit.lon, 6),
                _fmt(hit.lat, 6),
                _fmt(hit.x, 2),
                _fmt(hit.y, 2),
                hit.zip_code,
                hit.village,
                "; ".join(result.notes),
            ]
        else:
            note = "; ".join(result.problems + result.notes + [f"did you mean {s}" for s in result.suggestions])
            results[line] = ["none", Grade.NONE, "", "", "", "", "", "", "", "", note]
    return results


def _output_fields(record: Record, width: int) -> list[str]:
    """The input columns as written back: a broken record's fields are not repeated (they may be huge or partial)."""
    return record.fields if not record.error else [""] * width


def stopped_row(width: int, note: str) -> list[str]:
    """The last row of a batch that could not finish: empty input columns, status ``stopped`` and why."""
    return [""] * width + ["stopped", "", "", "", "", "", "", "", "", "", note]


def geocode_rows(
    *,
    source: Path,
    address_column: str | None = None,
    encoding: str = "utf-8",
    chunk_rows: int = CHUNK,
    deadline: float | None = None,
) -> tuple[list[str], Iterator[list[tuple[list[str], list[str]]]]]:
    """The output header and, chunk by chunk, each row's (input fields, result columns).

    ImportRefused (before anything is returned) for a file whose header cannot be read or has no address column.
    With ``deadline`` (``time.monotonic()`` seconds), BudgetExceeded is raised before a chunk that starts past it.
    """
    header, records = read_batch_csv(source, encoding=encoding)
    col = _pick_column(header, address_column)
    width = len(header)

    def chunks() -> Iterator[list[tuple[list[str], list[str]]]]:
        for number, chunk in enumerate(_chunks(records, chunk_rows)):
            if deadline is not None and number and time.monotonic() >= deadline:
                raise BudgetExceeded(chunk[0].line)
            results = _match_chunk(chunk, col, width)
            yield [(_output_fields(record, width), results[record.line]) for record in chunk]

    return header + RESULT_COLUMNS, chunks()


def geocode_csv(
    *,
    source: Path,
    out: TextIO,
    address_column: str | None = None,
    encoding: str = "utf-8",
    progress: Callable[[int], None] | None = None,
    chunk_rows: int = CHUNK,
) -> BatchStats:
    """Geocode every row of ``source`` and write the CSV with result columns to ``out``."""
    header, chunks = geocode_rows(source=source, address_column=address_column, encoding=encoding, chunk_rows=chunk_rows)
    writer = csv.writer(out)
    writer.writerow(neutralise_row(header))
    stats = BatchStats()
    for chunk in chunks:
        for fields, result in chunk:
            writer.writerow(neutralise_row(fields + result))
            stats.add(result[0], result[1])
        if progress:
            progress(len(chunk))
    return stats


def geocode_csv_stream(
    *,
    source: Path,
    address_column: str | None,
    encoding: str,
    chunk_rows: int = CHUNK,
    seconds: float | None = None,
    budget_hint: str = "",
) -> Iterable[str]:
    """The same output as text pieces, for a streaming HTTP response (refusals raise before the first piece).

    Each piece is one chunk of ``chunk_rows`` rows: when the client goes away, the server's next write fails and
    closes this generator, so at most one more chunk is geocoded. With ``seconds``, no chunk starts after that
    time; the stream then ends with a ``stopped`` row (``budget_hint`` says what to do instead), as it does after an
    unexpected failure, so a client can tell a cut file from a whole one.
    """
    deadline = None if seconds is None else time.monotonic() + seconds
    header, chunks = geocode_rows(
        source=source, address_column=address_column, encoding=encoding, chunk_rows=chunk_rows, deadline=deadline
    )
    width = len(header) - len(RESULT_COLUMNS)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    def pieces() -> Iterator[str]:
        writer.writerow(neutralise_row(header))
        done = 0
        try:
            for chunk in chunks:
                for fields, result in chunk:
                    writer.writerow(neutralise_row(fields + result))
                done += len(chunk)
                yield take()
        except BudgetExceeded as exc:
            note = f"stopped before line {exc.args[0]}: the time budget of {seconds:g} s was used up after {done} rows"
            writer.writerow(neutralise_row(stopped_row(width, note + (f"; {budget_hint}" if budget_hint else ""))))
        except GeneratorExit:
            logger.info("batch geocoding stopped: the client went away after %d rows", done)
            raise
        except Exception:
            logger.exception("batch geocoding failed after %d rows", done)
            note = f"stopped after {done} rows: the server failed; the rows after them were not geocoded"
            writer.writerow(neutralise_row(stopped_row(width, note)))
        yield take()

    return pieces()
