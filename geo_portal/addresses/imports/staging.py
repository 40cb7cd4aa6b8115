"""Turning door-plate CSV rows into staging rows: mapping, parsing, per-row checks, parallel workers.

Pure Python (no Django import), so worker processes start from a small ``forkserver``. Called by
``services.import_doorplates`` through ``presets``; the district and village tables arrive as an
``AreaIndex`` of plain dictionaries, loaded by ``presets.load_area_index``.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import math
import multiprocessing
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial

from geo_portal.addresses.parsing import MAX_INPUT_LENGTH, VARIANTS, Address, ParseResult, Problem, parse
from geo_portal.ingest.errors import Finding, ImportRefused

# Logical fields a mapping can fill. Either ``address`` (full text) or ``number`` (+ road/lane/alley) is needed.
FIELDS = ("address", "road", "section", "lane", "alley", "number", "x", "y", "village_code", "neighborhood", "district_code")

_VILLAGE_CODE = re.compile(r"^(\d{8})(\d{3})$")
_REGISTRY_VILLAGE_CODE = re.compile(r"^(\d{7})-(\d{3})$")  # 1001801-020 → 10018010020
_NEIGHBORHOOD = re.compile(r"^(\d{1,3})鄰?$")


@dataclass
class Mapping:
    """Resolved column positions for one file."""

    positions: dict[str, int]
    # Salts each row's hash (``line_hash``) with what else decides how a row is read: layout, options, area tables.
    salt: bytes = b""

    @classmethod
    def build(cls, header: list[str], columns: dict[str, str]) -> Mapping:
        unknown = sorted(set(columns) - set(FIELDS))
        if unknown:
            raise ImportRefused(f"unknown mapping field(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}")
        missing = [f"{logical}={col}" for logical, col in columns.items() if col not in header]
        if missing:
            raise ImportRefused(f"column(s) not in the file: {', '.join(missing)}; the header has {', '.join(header)}")
        if "x" not in columns or "y" not in columns:
            raise ImportRefused("the mapping needs x and y columns")
        if "address" not in columns and "number" not in columns:
            raise ImportRefused("the mapping needs an address column, or number (with road/lane/alley) columns")
        return cls({logical: header.index(col) for logical, col in columns.items()})


@dataclass
class AreaIndex:
    """Districts and villages in memory, so each row is resolved with dictionary lookups."""

    default_district_id: int | None
    by_names: dict[tuple[str, str], int] = field(default_factory=dict)
    by_district_name: dict[str, list[int]] = field(default_factory=dict)
    district_codes: dict[str, int] = field(default_factory=dict)
    village_codes: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    village_names: dict[tuple[int, str], int] = field(default_factory=dict)
    # Every village name in any district: _pick_reading asks once per row, so a set, not a scan of village_names.
    any_village_names: set[str] = field(default_factory=set)

    def add_village(self, village_id: int, district_id: int, code: str, name: str) -> None:
        self.village_codes[code] = (village_id, district_id, name)
        self.village_names[(district_id, name)] = village_id
        self.any_village_names.add(name)


def _float(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


# The common written form of a file's row: a place of CJK characters ending in a road or section (新竹市東區光復路二段),
# then ASCII digits with 巷弄號之樓層 only (101巷3弄5號之1 2樓). ``parse`` of such a text reads the place and the
# numbers apart: normalising (NFKC, variant map, Chinese numerals, which look only at the character after a numeral:
# a digit either way) changes neither the numbers nor where the place ends, and no lane/number match can start
# inside a place that ends in 路街段道 (characters the number grammar never takes). So the place is parsed once per
# distinct place (as place + "1號") and the numbers once per distinct tail (alone: "missing road" is then its one
# problem): the row's reading is the place's reading with the tail's numbers, as ``parse`` of the whole row reads it
# (tests compare the two on generated and real rows). Any other text, or a part with a problem, is parsed whole.
# Parsing is most of an import's Python time (~40 µs a row whole, ~5 µs this way).
_COMMON_FORM = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]*[路街段道])([0-9][0-9巷弄號之樓層]*)")
_NO_ROAD = Problem("road", "", "missing road or area name")
# The components written after the place: the parser's own fields from 巷 to 樓之M, in their order.
_ADDRESS_FIELDS = [f.name for f in dataclasses.fields(Address)]
_TAIL_FIELDS = tuple(_ADDRESS_FIELDS[_ADDRESS_FIELDS.index("lane") : _ADDRESS_FIELDS.index("floor_sub") + 1])


@functools.lru_cache(maxsize=1 << 16)  # distinct roads and sections: tens of thousands in the whole country
def _parse_place(place: str) -> Address | None:
    result = parse(place + "1號")
    return result.address if result.ok and not result.address.zip_code else None


@functools.lru_cache(maxsize=1 << 17)  # lane × number × floor combinations; ~40 MB when full
def _parse_tail(tail: str) -> tuple | None:
    """The tail's ``_TAIL_FIELDS`` and its canonical text (``street()`` after the place), or None."""
    result = parse(tail)
    if result.address is None or result.problems != (_NO_ROAD,):
        return None
    return (*(getattr(result.address, name) for name in _TAIL_FIELDS), result.address.street())


def _read_common_form(text: str) -> tuple[Address, tuple] | None:
    """The place's reading and the tail's numbers of a row in the common form; None: parse it whole."""
    m = _COMMON_FORM.fullmatch(text) if len(text) <= MAX_INPUT_LENGTH else None
    if m is None:
        return None
    place = _parse_place(m.group(1))
    numbers = _parse_tail(m.group(2)) if place is not None else None
    return (place, numbers) if numbers is not None else None


def parse_row_text(text: str) -> ParseResult:
    """``parse(text)`` as the importer reads it (the common form by parts): the same result, for the tests."""
    common = _read_common_form(text)
    if common is None:
        return parse(text)
    place, numbers = common
    return ParseResult(dataclasses.replace(place, **dict(zip(_TAIL_FIELDS, numbers, strict=False))))


def line_hash(salt: bytes, fields: list[str]) -> str:
    """A row's identity when its reader gave none (rows as plain (line, fields)): md5 of the salted fields. The
    importer reads with ``read_csv(digest_salt=…)``, whose digest of the raw line the plate remembers."""
    return hashlib.md5(salt + "\x1f".join(fields).encode(), usedforsecurity=False).hexdigest()


def _raw_road_spelling(raw: str, road: str) -> str:
    """The road as written in the source when it used a variant character (褔德街 for 福德街), else ''."""
    text = unicodedata.normalize("NFKC", raw)
    for start in range(len(text) - len(road) + 1):
        candidate = text[start : start + len(road)]
        if candidate != road and candidate.translate(VARIANTS) == road:
            return candidate
    return ""


def stage_rows(
    rows: Iterator[tuple],
    mapping: Mapping,
    areas: AreaIndex,
    findings: list[Finding],
    protected: list[tuple[int, str]],
) -> Iterator[tuple]:
    """Turn CSV rows into staging tuples (``STAGE_COLUMNS``); rejected rows become ``findings`` instead.

    Rows are (line number, fields) or (line number, fields, digest of the raw line): the digest is the row's identity
    for later re-imports (``imported_line``); without one, the fields are hashed.

    Rows rejected only for their coordinates add their (district, key) to ``protected``.
    """
    pos = mapping.positions
    width = max(pos.values()) + 1
    for line_no, fields, *digest in rows:
        if not any(f.strip() for f in fields):
            continue  # blank line
        if len(fields) < width:
            findings.append(Finding(line_no, "row", "", f"has {len(fields)} fields, expected at least {width}"))
            continue
        text = fields[pos["address"]] if "address" in pos else _join_components(fields, pos)
        common = _read_common_form(text)
        if common is None:
            result = parse(text)
            if not result.ok:
                problem = result.problems[0]
                findings.append(Finding(line_no, problem.field, text, str(problem)))
                continue
            addr = _pick_reading(result.address, areas)
            numbers = (*(getattr(addr, name) for name in _TAIL_FIELDS), "")
            street = addr.street()
        else:
            # Readings differ in the place only (village, district, road): the tail's numbers are every reading's.
            addr, numbers = _pick_reading(common[0], areas), common[1]
            street = addr.place + numbers[-1]
        district_id = _resolve_district(addr, fields, pos, areas)
        if isinstance(district_id, Finding):
            findings.append(Finding(line_no, district_id.field, district_id.value, district_id.reason))
            continue
        village = _resolve_village(addr, fields, pos, areas, district_id)
        if isinstance(village, Finding):
            findings.append(Finding(line_no, village.field, village.value, village.reason))
            continue
        hood = addr.neighborhood
        if "neighborhood" in pos and fields[pos["neighborhood"]].strip():
            m = _NEIGHBORHOOD.match(fields[pos["neighborhood"]].strip())
            if not m or int(m.group(1)) == 0:
                findings.append(Finding(line_no, "neighborhood", fields[pos["neighborhood"]], "not a 鄰 number"))
                continue
            if hood is not None and hood != int(m.group(1)):
                findings.append(
                    Finding(
                        line_no,
                        "neighborhood",
                        fields[pos["neighborhood"]],
                        f"column says {m.group(1)}鄰 but the address says {hood}鄰",
                    )
                )
                continue
            hood = int(m.group(1))
        x, y = _float(fields[pos["x"]]), _float(fields[pos["y"]])
        bad_coord = next((name for name, value in (("x", x), ("y", y)) if value is None or value == 0), None)
        if bad_coord:
            raw_value = fields[pos[bad_coord]]
            reason = "coordinate is 0" if _float(raw_value) == 0 else "not a number"
            findings.append(Finding(line_no, bad_coord, raw_value, reason))
            # The row is rejected, but an existing plate with this address must not be retired for it.
            protected.append((district_id, f"{street}#{'' if hood is None else hood}"))
            continue
        road_name = addr.road_section
        raw_road = _raw_road_spelling(text, road_name) if road_name and _VARIANT_CHAR.search(text) else ""
        yield (
            line_no,
            district_id,
            village,
            hood,
            road_name,
            addr.road,
            addr.section,
            addr.area,
            *numbers[:-1],
            street,
            raw_road,
            x,
            y,
            digest[0] if digest else line_hash(mapping.salt, fields),
        )


_VARIANT_CHAR = re.compile("[" + re.escape("".join(chr(k) for k in VARIANTS)) + "]")


def _pick_reading(addr: Address, areas: AreaIndex) -> Address:
    """The first reading whose district and village names are known (竹村七路 is a road, not village 竹村)."""
    for reading in addr.readings():
        district_ok = not reading.district or reading.district in areas.by_district_name
        village_ok = not reading.village or reading.village in areas.any_village_names
        if district_ok and village_ok:
            return reading
    return addr


def _join_components(fields: list[str], pos: dict[str, int]) -> str:
    parts = []
    for name, unit in (("road", ""), ("section", "段"), ("lane", "巷"), ("alley", "弄"), ("number", "號")):
        if name in pos:
            value = fields[pos[name]].strip()
            if value and unit and not value.endswith(unit) and not (name == "number" and "號" in value):
                value += unit
            parts.append(value)
    return "".join(parts)


def _resolve_district(addr: Address, fields: list[str], pos: dict[str, int], areas: AreaIndex) -> int | Finding:
    if "district_code" in pos and fields[pos["district_code"]].strip():
        code = fields[pos["district_code"]].strip()
        found = areas.district_codes.get(code)
        return found if found else Finding(0, "district_code", code, "unknown district code")
    if addr.district:
        if addr.county:
            found = areas.by_names.get((addr.county, addr.district))
            if found:
                return found
            return Finding(0, "district", addr.county + addr.district, "unknown county/district")
        candidates = areas.by_district_name.get(addr.district, [])
        if areas.default_district_id in candidates:
            return areas.default_district_id
        if len(candidates) == 1:
            return candidates[0]
        return Finding(0, "district", addr.district, "district name is unknown or ambiguous without a county")
    if areas.default_district_id:
        return areas.default_district_id
    return Finding(0, "district", "", "address has no county/district and no --district was given")


def _resolve_village(
    addr: Address, fields: list[str], pos: dict[str, int], areas: AreaIndex, district_id: int
) -> int | Finding | None:
    if "village_code" in pos and fields[pos["village_code"]].strip():
        raw = fields[pos["village_code"]].strip()
        m = _REGISTRY_VILLAGE_CODE.match(raw)
        code = f"{m.group(1)}0{m.group(2)}" if m else raw
        if not _VILLAGE_CODE.match(code):
            return Finding(0, "village_code", raw, "not a village code (11 digits, or NNNNNNN-NNN)")
        found = areas.village_codes.get(code)
        if not found:
            return Finding(0, "village_code", raw, "unknown village code")
        village_id, village_district, name = found
        if village_district != district_id:
            return Finding(0, "village_code", raw, "village belongs to another district than the address")
        if addr.village and addr.village != name:
            return Finding(0, "village", addr.village, f"address names {addr.village} but the code is {name}")
        return village_id
    if addr.village:
        found_id = areas.village_names.get((district_id, addr.village))
        return found_id if found_id else Finding(0, "village", addr.village, "unknown village in this district")
    return None


CHUNK_ROWS = 5_000


def _stage_chunk(
    chunk: list[tuple], mapping: Mapping, areas: AreaIndex
) -> tuple[list[tuple], list[Finding], list[tuple[int, str]]]:
    findings: list[Finding] = []
    protected: list[tuple[int, str]] = []
    staged = list(stage_rows(iter(chunk), mapping, areas, findings, protected))
    return staged, findings, protected


def stage_rows_parallel(
    rows: Iterator[tuple],
    mapping: Mapping,
    areas: AreaIndex,
    findings: list[Finding],
    protected: list[tuple[int, str]],
    workers: int | None = None,
) -> Iterator[tuple]:
    """``stage_rows`` with parsing spread over worker processes, in file order; same output.

    Parsing is the Python cost of an import (~10 µs a row). Chunks of rows go to worker processes (they get the
    area index with each chunk and never touch the database) while this process keeps streaming COPY data. A file
    of one chunk or less is staged inline: forking would cost more than it saves.
    """
    workers = workers or min(2, os.cpu_count() or 1)
    chunks = iter(lambda: list(itertools.islice(rows, CHUNK_ROWS)), [])
    first = next(chunks, [])
    if len(first) < CHUNK_ROWS or workers < 2:
        yield from stage_rows(itertools.chain(first, *chunks), mapping, areas, findings, protected)
        return
    work = partial(_stage_chunk, mapping=mapping, areas=areas)
    # forkserver, not fork: the importing process has threads (BLAS, GDAL), and forking a threaded process can
    # deadlock the child. This module imports no Django, so the server preloads it cheaply.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    with context.Pool(workers) as pool:
        for staged, chunk_findings, chunk_protected in pool.imap(work, itertools.chain([first], chunks)):
            findings.extend(chunk_findings)
            protected.extend(chunk_protected)
            yield from staged
