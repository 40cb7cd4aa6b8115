"""Batch geocoding: CSV in → CSV out, every input column kept and result columns added.

Called by the ``geocode_csv`` command and the ``POST /api/v1/geocode/batch`` endpoint. Rows are read and
written in chunks (memory stays flat for millions of rows). Each chunk is parsed in Python, then matched in
one set-based query on the canonical street key (C-collated btree); only rows that query cannot settle (no
exact match, several 鄰, unknown unit…) go through the full graded ``geocode``. A malformed row gets a status
and an error message; it never stops the batch.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.db import connection

from geo_portal.addresses.parsing import parse
from geo_portal.addresses.search.gazetteer import gazetteer
from geo_portal.addresses.search.geocode import geocode, is_canonical
from geo_portal.addresses.search.results import Grade
from geo_portal.core.db import copy_rows
from geo_portal.ingest.csvio import read_csv
from geo_portal.ingest.errors import ImportRefused

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
# ambiguous (several plates, e.g. two 鄰), none, error (malformed row).
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


def _chunks(rows: Iterator[tuple[int, list[str]]], size: int) -> Iterator[list[tuple[int, list[str]]]]:
    chunk: list[tuple[int, list[str]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _fmt(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _match_chunk(chunk: list[tuple[int, list[str]]], col: int, width: int) -> dict[int, list[str]]:
    """Result columns for every row of the chunk, keyed by line number."""
    results: dict[int, list[str]] = {}
    staged: list[tuple[int, str, int | None, str | None]] = []
    texts: dict[int, str] = {}
    canonical: dict[int, bool] = {}
    covered = [(d.id, d.county, d.name) for d in gazetteer().covered]
    for line, fields in chunk:
        if len(fields) != width:
            results[line] = [
                "error",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                f"row has {len(fields)} fields, header has {width}",
            ]
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


def geocode_csv(
    *,
    source: Path,
    out: TextIO,
    address_column: str | None = None,
    encoding: str = "utf-8",
    progress: Callable[[int], None] | None = None,
) -> BatchStats:
    """Geocode every row of ``source`` and write the CSV with result columns to ``out``."""
    header, rows = read_csv(source, encoding=encoding)
    col = _pick_column(header, address_column)
    writer = csv.writer(out)
    writer.writerow(header + RESULT_COLUMNS)
    stats = BatchStats()
    for chunk in _chunks(rows, CHUNK):
        results = _match_chunk(chunk, col, len(header))
        for line, fields in chunk:
            result = results[line]
            writer.writerow(fields + result)
            stats.add(result[0], result[1])
        if progress:
            progress(len(chunk))
    return stats


def geocode_csv_stream(*, source: Path, address_column: str | None, encoding: str) -> Iterable[str]:
    """The same output as text pieces, for a streaming HTTP response (refusals raise before the first piece)."""
    header, _ = read_csv(source, encoding=encoding)
    _pick_column(header, address_column)
    buffer = io.StringIO()

    def pieces() -> Iterator[str]:
        header_, rows = read_csv(source, encoding=encoding)
        col = _pick_column(header_, address_column)
        writer = csv.writer(buffer)
        writer.writerow(header_ + RESULT_COLUMNS)
        for chunk in _chunks(rows, CHUNK):
            results = _match_chunk(chunk, col, len(header_))
            for line, fields in chunk:
                writer.writerow(fields + results[line])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return pieces()
