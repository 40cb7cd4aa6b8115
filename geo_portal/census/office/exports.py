"""The findings export as CSV: UTF-8 with a byte-order mark (Excel opens it right), safe against formula
injection (a text cell that a spreadsheet would read as a formula gets a leading apostrophe).

Rows come from ``selectors.findings_export_rows``; the GeoPackage twin is ``office.gpkg``. Called by the export
view and tests. Findings carry no personal data; surveyor and supervisor user names are staff's own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from geo_portal.census.office.selectors import EXPORT_COLUMNS

# What Excel, LibreOffice and Google Sheets may take for the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 1000
BOM = "\ufeff"


def safe_cell(value: object) -> object:
    """A cell as written: text that could start a formula is prefixed with ``'``; booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def findings_csv(rows: Iterable[tuple]) -> Iterator[bytes]:
    """The export rows (point WKB last, left out) as CSV bytes, a chunk at a time, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([name for name, _kind in EXPORT_COLUMNS])
    pending = 0
    yield (BOM + buffer.getvalue()).encode()
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow([safe_cell(v) for v in row[: len(EXPORT_COLUMNS)]])
        pending += 1
        if pending == CHUNK_ROWS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue().encode()
