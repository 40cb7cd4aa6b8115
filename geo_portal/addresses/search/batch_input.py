"""Reading a batch-geocoding CSV that anyone may upload: one record at a time, every broken record a row error.

Called by ``batch`` (the ``geocode_csv`` command, the API's synchronous batch and the batch jobs). Python's ``csv``
module raises on a field past 131,072 characters or a bare carriage return, and swallows the rest of a file into one
cell after an unterminated quote; a batch must instead answer each broken record with its own error and go on. So
records are split here, by a small RFC 4180 state machine:

- Line endings: LF or CRLF, or CR alone (old Mac exports) when the header line ends with one. Any other CR or LF
  outside quotes is an error of its record, named by column.
- A quoted field may span at most ``MAX_RECORD_LINES`` lines; a quote still open after that is reported at the line
  that opened it, and reading resumes on the next line (the rows after it are not lost).
- A field longer than ``MAX_FIELD_CHARS`` makes its record an error (the field is left out of the output).
- Text that is not valid in the declared encoding (UTF-8 or Big5) makes its record an error; in the header it
  refuses the file, as does a header that starts with a second byte-order mark (it would hide the first column).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from geo_portal.ingest.errors import ImportRefused

MAX_FIELD_CHARS = 4_096
MAX_RECORD_LINES = 10
MAX_LINE_BYTES = 4 * MAX_FIELD_CHARS * 16  # room for a line of several long fields in a 4-byte encoding
READ_BYTES = 1 << 16
CODECS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8", "big5": "cp950", "cp950": "cp950"}


@dataclass(frozen=True, slots=True)
class Record:
    """One data record: its first physical line, its fields, and why it is broken ("" when it is not)."""

    line: int
    fields: list[str]
    error: str = ""


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    text: str
    error: str  # decoding or length problem of this physical line


class _Broken(Exception):
    def __init__(self, column: int, reason: str) -> None:
        self.column = column
        self.reason = reason


def _terminator(head: bytes) -> bytes:
    """b"\\r" when the first line ends with a CR not followed by LF, else b"\\n" (LF or CRLF)."""
    cr, lf = head.find(b"\r"), head.find(b"\n")
    if cr != -1 and (lf == -1 or cr < lf) and head[cr + 1 : cr + 2] != b"\n":
        return b"\r"
    return b"\n"


def _physical_lines(fh: BinaryIO, codec: str, name: str) -> Iterator[_Line]:
    head = fh.read(READ_BYTES)
    term = _terminator(head)
    pending = head
    number = 0
    eof = not head
    while pending or not eof:
        cut = pending.find(term)
        if cut == -1 and not eof and len(pending) <= MAX_LINE_BYTES:
            more = fh.read(READ_BYTES)
            eof = not more
            pending += more
            continue
        number += 1
        if cut == -1 and len(pending) > MAX_LINE_BYTES:
            # A line longer than any record may be: skip to its end without holding it.
            while cut == -1:
                pending = fh.read(READ_BYTES)
                if not pending:
                    eof = True
                    break
                cut = pending.find(term)
            pending = pending[cut + len(term) :] if cut != -1 else b""
            yield _Line(number, "", f"line {number} is longer than {MAX_LINE_BYTES:,} bytes")
            continue
        raw, pending = (pending, b"") if cut == -1 else (pending[:cut], pending[cut + len(term) :])
        if term == b"\n" and raw.endswith(b"\r"):
            raw = raw[:-1]
        if number == 1 and codec == "utf-8" and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            yield _Line(number, raw.decode(codec), "")
        except UnicodeDecodeError as exc:
            hint = ""
            if codec != "cp950":
                try:
                    raw.decode("cp950")
                    hint = " It decodes as Big5 (cp950): pass --encoding big5 if that is what it is."
                except UnicodeDecodeError:
                    pass
            label = "utf-8" if codec == "utf-8" else "big5"
            yield _Line(
                number,
                raw.decode(codec, errors="replace"),
                f"line {number} is not valid {label} (byte {raw[exc.start]:#04x} at column {exc.start + 1}).{hint}",
            )
        if cut == -1 and eof:
            break


def _fields(text: str) -> tuple[list[str], bool]:
    """Split one record's text; returns (fields, quote still open). Raises _Broken for a malformed record."""
    if '"' not in text and "\r" not in text and "\n" not in text:
        fields = text.split(",")
        for i, value in enumerate(fields):
            if len(value) > MAX_FIELD_CHARS:
                raise _Broken(i, f"longer than {MAX_FIELD_CHARS:,} characters ({len(value):,})")
        return fields, False
    fields: list[str] = []
    buf: list[str] = []
    state = "start"  # start | plain | quoted | quote (a quote seen inside a quoted field)
    for ch in text:
        if state == "quoted":
            if ch == '"':
                state = "quote"
            else:
                buf.append(ch)
        elif ch == ",":
            fields.append("".join(buf))
            buf = []
            state = "start"
        elif state == "quote":
            if ch == '"':
                buf.append('"')
                state = "quoted"
            else:
                raise _Broken(len(fields), f"text after the closing quote ({ch!r})")
        elif ch in "\r\n":
            raise _Broken(len(fields), "a line break (CR or LF) inside an unquoted field; quote the field")
        elif state == "start" and ch == '"':
            state = "quoted"
        else:
            buf.append(ch)
            state = "plain"
        if len(buf) > MAX_FIELD_CHARS:
            raise _Broken(len(fields), f"longer than {MAX_FIELD_CHARS:,} characters")
    if state == "quoted":
        return [*fields, "".join(buf)], True
    fields.append("".join(buf))
    return fields, False


def _column(header: list[str], index: int) -> str:
    return f"column {header[index]!r}" if index < len(header) else f"column {index + 1}"


def _records(lines: Iterator[_Line], header: list[str]) -> Iterator[Record]:
    """Data records from the physical lines after the header."""
    backlog: list[_Line] = []

    def next_line() -> _Line | None:
        if backlog:
            return backlog.pop(0)
        return next(lines, None)

    while True:
        first = next_line()
        if first is None:
            return
        if first.text == "" and not first.error:
            continue  # blank lines carry no record (csv.reader skips them too)
        taken = [first]
        text = first.text
        while True:
            try:
                fields, open_quote = _fields(text)
            except _Broken as broken:
                yield Record(first.number, [], f"line {first.number}, {_column(header, broken.column)}: {broken.reason}")
                break
            if not open_quote:
                error = next((line.error for line in taken if line.error), "")
                yield Record(first.number, fields, error)
                break
            following = next_line() if len(taken) < MAX_RECORD_LINES else None
            if following is None:
                yield Record(
                    first.number,
                    [],
                    f"line {first.number}, {_column(header, len(fields) - 1)}: the quote that opens the field is not "
                    f"closed within {MAX_RECORD_LINES} lines or by the end of the file; the lines after it are read "
                    "as rows of their own",
                )
                backlog[:0] = taken[1:]  # resume right after the line that opened the quote
                break
            taken.append(following)
            text += "\n" + following.text


def read_batch_csv(source: Path, *, encoding: str = "utf-8") -> tuple[list[str], Iterator[Record]]:
    """The header and the data records of ``source``; ImportRefused for a file whose header cannot be read."""
    codec = CODECS.get(encoding.lower())
    if codec is None:
        raise ImportRefused(f"unsupported encoding {encoding!r}; use utf-8 or big5")
    if not source.is_file():
        raise ImportRefused(f"{source}: no such file")
    fh = source.open("rb")
    lines = _physical_lines(fh, codec, source.name)
    first = next(lines, None)
    if first is None or (first.text == "" and not first.error):
        fh.close()
        raise ImportRefused(f"{source.name}: the file is empty")
    if first.error:
        fh.close()
        raise ImportRefused(f"{source.name}: {first.error.rstrip('.')}; nothing was geocoded.")
    if first.text.startswith("\ufeff"):
        fh.close()
        raise ImportRefused(
            f"{source.name}: the header starts with a second byte-order mark (BOM), which would hide the first "
            "column's name; save the file again as UTF-8 (with one BOM or none)"
        )
    try:
        header, open_quote = _fields(first.text)
    except _Broken as broken:
        fh.close()
        raise ImportRefused(f"{source.name}: line 1 (the header), column {broken.column + 1}: {broken.reason}") from None
    if open_quote:
        fh.close()
        raise ImportRefused(f"{source.name}: line 1 (the header) has a quote that is not closed")
    header = [h.strip() for h in header]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        fh.close()
        raise ImportRefused(f"{source.name}: duplicate column names {', '.join(dupes)}")

    def records() -> Iterator[Record]:
        with fh:
            yield from _records(lines, header)

    return header, records()


def count_lines(source: Path) -> int:
    """Physical lines of ``source`` (LF, CRLF or CR): a quick upper bound of its records, read in blocks."""
    with source.open("rb") as fh:
        head = fh.read(READ_BYTES)
        term = _terminator(head)
        count, last = head.count(term), head[-1:]
        while block := fh.read(1 << 20):
            count += block.count(term)
            last = block[-1:]
    return count + (1 if last and last != term else 0)
