"""Encoding-checked, streaming CSV reading for importers.

Files are read line by line as bytes and decoded strictly, so a wrong encoding is reported with its line
number instead of turning into mojibake. Big5 (cp950, common in Taiwan government files) gets a clear
message, or is decoded when the caller declares ``encoding="big5"``.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path

from geo_portal.ingest.errors import ImportRefused

ENCODING_ALIASES = {"big5": "cp950", "cp950": "cp950", "utf-8": "utf-8-sig", "utf8": "utf-8-sig", "utf-8-sig": "utf-8-sig"}


def _looks_like_big5(raw: bytes) -> bool:
    try:
        raw.decode("cp950")
    except UnicodeDecodeError:
        return False
    return True


def _decoded_lines(path: Path, encoding: str) -> Iterator[str]:
    codec = ENCODING_ALIASES.get(encoding.lower())
    if codec is None:
        raise ImportRefused(f"unsupported encoding {encoding!r}; use utf-8 or big5")
    with path.open("rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if line_no == 1 and codec == "utf-8-sig" and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                yield raw.decode("utf-8" if codec == "utf-8-sig" else codec)
            except UnicodeDecodeError as exc:
                hint = (
                    " It decodes as Big5 (cp950): pass --encoding big5 if that is what it is."
                    if codec != "cp950" and _looks_like_big5(raw)
                    else ""
                )
                raise ImportRefused(
                    f"{path.name}: line {line_no} is not valid {encoding} (byte {raw[exc.start]:#04x} at "
                    f"column {exc.start + 1}); nothing was imported.{hint}"
                ) from None


def read_csv(
    path: Path, *, encoding: str = "utf-8", required: tuple[str, ...] = ()
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Open a CSV; returns its header and an iterator of (line number, fields) for the data rows.

    Refuses a file with no header, duplicate column names or missing ``required`` columns.
    """
    if not path.is_file():
        raise ImportRefused(f"{path}: no such file")
    reader = csv.reader(_decoded_lines(path, encoding))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportRefused(f"{path.name}: the file is empty") from None
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise ImportRefused(f"{path.name}: duplicate column names {', '.join(dupes)}")
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportRefused(
            f"{path.name}: missing column(s) {', '.join(missing)}; the header has {', '.join(header) or 'nothing'}"
        )

    def rows() -> Iterator[tuple[int, list[str]]]:
        for fields in reader:
            # reader.line_num is the physical line of the row's end; header is line 1.
            yield reader.line_num, fields

    return header, rows()
