"""Import of the city's monthly village reports into ``VillagePopulation``.

Formats (新竹市政府民政處 monthly reports, as in ``shared/data/real/population``): UTF-8 with a BOM, title lines,
a line ``中華民國115年06月`` giving the month, then a header starting with ``區域代碼``, then three rows per area
(計 / 男 / 女). In RRRP03310 the counts of villages, 鄰 and households sit on the 男 row only (a merged-cell
artefact). RRRP03360 has residents by single year of age. Rows of districts and the city are used to check that
the villages add up. Re-importing a month replaces that month; a file whose layout does not match is refused
with the line that did not match.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from geo_portal.areas.models import Village, VillagePopulation
from geo_portal.ingest.errors import Finding, ImportRefused

_MONTH = re.compile(r"中華民國(\d{2,3})年(\d{1,2})月")
_VILLAGE_CODE = re.compile(r"^\d{11}$")
_AREA_CODE = re.compile(r"^\d{8}$")
SEXES = ("計", "男", "女")
HOUSEHOLD_COLUMNS = (
    "區域代碼",
    "區域別",
    "村里數_現有門牌",
    "村里數_戶籍登記",
    "鄰數_現有門牌",
    "鄰數_戶籍登記",
    "戶數",
    "性別",
    "人口數",
)


@dataclass
class PopulationResult:
    month: datetime.date
    counts: dict[str, int]
    findings: list[Finding] = field(default_factory=list)


def _read(path: Path) -> tuple[datetime.date, list[str], Iterator[tuple[int, list[str]]]]:
    if not path.is_file():
        raise ImportRefused(f"{path}: no such file")
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            f"{path.name}: not UTF-8 (byte {exc.start}); the city's reports are published in UTF-8"
        ) from None
    rows = list(csv.reader(lines))
    month = None
    for number, row in enumerate(rows, start=1):
        m = _MONTH.search(",".join(row))
        if m:
            year, mon = int(m.group(1)) + 1911, int(m.group(2))
            if not 1 <= mon <= 12:
                raise ImportRefused(f"{path.name}: line {number}: month {mon} does not exist")
            month = datetime.date(year, mon, 1)
        if row and row[0].strip() == "區域代碼":
            if month is None:
                raise ImportRefused(f"{path.name}: no 中華民國YYY年MM月 line before the header (line {number})")
            header = [h.strip() for h in row]
            data = ((n, r) for n, r in enumerate(rows[number:], start=number + 1) if any(c.strip() for c in r))
            return month, header, data
    raise ImportRefused(f"{path.name}: no header line starting with 區域代碼; is this a monthly village report?")


def _int(value: str, *, path: Path, line: int, column: str) -> int:
    text = value.strip().replace(",", "")
    if not text.isdigit():
        raise ImportRefused(f"{path.name}: line {line}: {column} is {value!r}, not a count")
    return int(text)


def _triples(path: Path, data: Iterator[tuple[int, list[str]]], sex_col: int) -> Iterator[tuple[int, dict[str, list[str]]]]:
    """Group the 計/男/女 rows of each area; refuses a file whose rows do not come in that order."""
    pending: list[tuple[int, list[str]]] = []
    for line, row in data:
        pending.append((line, row))
        if len(pending) == 3:
            codes = {r[0].strip() for _, r in pending}
            sexes = tuple(r[sex_col].strip() for _, r in pending)
            if len(codes) != 1 or sexes != SEXES:
                raise ImportRefused(
                    f"{path.name}: line {pending[0][0]}: expected rows 計, 男, 女 of one area, "
                    f"found {', '.join(sexes)} for {', '.join(sorted(codes))}"
                )
            yield pending[0][0], {sex: r for sex, (_, r) in zip(SEXES, pending, strict=True)}
            pending = []
    if pending:
        raise ImportRefused(f"{path.name}: line {pending[0][0]}: the file ends in the middle of an area's rows")


@transaction.atomic
def import_population(*, households_path: Path, ages_path: Path | None = None) -> PopulationResult:
    """Import one month (RRRP03310, optionally with RRRP03360 of the same month); replaces that month."""
    month, header, data = _read(households_path)
    missing = [c for c in HOUSEHOLD_COLUMNS if c not in header]
    if missing:
        raise ImportRefused(f"{households_path.name}: header lacks {', '.join(missing)}")
    col = {c: header.index(c) for c in HOUSEHOLD_COLUMNS}
    villages = {v.code: v for v in Village.objects.all()}
    findings: list[Finding] = []
    records: dict[str, VillagePopulation] = {}
    totals: dict[str, tuple[int, int]] = {}
    for line, rows in _triples(households_path, data, col["性別"]):
        code = rows["計"][col["區域代碼"]].strip()
        get = {sex: _int(rows[sex][col["人口數"]], path=households_path, line=line, column="人口數") for sex in SEXES}
        if get["計"] != get["男"] + get["女"]:
            raise ImportRefused(
                f"{households_path.name}: line {line}: {code} 計 {get['計']} ≠ 男 {get['男']} + 女 {get['女']}"
            )
        male_row = rows["男"]
        households = _int(male_row[col["戶數"]], path=households_path, line=line + 1, column="戶數")
        if _AREA_CODE.match(code):
            totals[code] = (get["計"], households)
            continue
        if not _VILLAGE_CODE.match(code):
            raise ImportRefused(
                f"{households_path.name}: line {line}: 區域代碼 {code!r} is neither a village nor a district code"
            )
        village = villages.get(code)
        if village is None:
            findings.append(Finding(line, "區域代碼", code, "no village with this code is loaded; row skipped"))
            continue
        records[code] = VillagePopulation(
            village=village,
            month=month,
            households=households,
            population=get["計"],
            male=get["男"],
            female=get["女"],
            neighborhoods=_int(male_row[col["鄰數_戶籍登記"]], path=households_path, line=line + 1, column="鄰數_戶籍登記"),
            neighborhoods_with_plates=_int(
                male_row[col["鄰數_現有門牌"]], path=households_path, line=line + 1, column="鄰數_現有門牌"
            ),
            source=households_path.name[:200],
        )
    _check_totals(households_path, records, totals)
    if ages_path is not None:
        _add_ages(ages_path, month, records)
    VillagePopulation.objects.filter(month=month, village__code__in=list(records)).delete()
    VillagePopulation.objects.bulk_create(records.values())
    return PopulationResult(
        month,
        {"villages": len(records), "skipped": len(findings), "residents": sum(r.population for r in records.values())},
        findings,
    )


def _check_totals(path: Path, records: dict[str, VillagePopulation], totals: dict[str, tuple[int, int]]) -> None:
    """Each district row must equal the sum of its villages in the file (a truncated or edited file fails)."""
    for code, (population, households) in totals.items():
        members = [r for c, r in records.items() if c.startswith(code)] if not code.endswith("000") else []
        if members and (sum(r.population for r in members), sum(r.households for r in members)) != (population, households):
            raise ImportRefused(
                f"{path.name}: district {code} reports {population} residents in {households} households, but its "
                f"villages add up to {sum(r.population for r in members)} in {sum(r.households for r in members)}"
            )


def _add_ages(path: Path, month: datetime.date, records: dict[str, VillagePopulation]) -> None:
    age_month, header, data = _read(path)
    if age_month != month:
        raise ImportRefused(f"{path.name}: is for {age_month:%Y-%m}, the household report for {month:%Y-%m}")
    single = [i for i, h in enumerate(header) if re.fullmatch(r"\d+～\d+歲_\d+歲", h)]
    oldest = [i for i, h in enumerate(header) if h == "100歲以上"]
    if len(single) != 100 or len(oldest) != 1 or "性別" not in header:
        raise ImportRefused(f"{path.name}: header does not have single years of age 0–99 and 100歲以上")
    columns = single + oldest
    sex_col, total_col = header.index("性別"), header.index("總計")
    for line, rows in _triples(path, data, sex_col):
        code = rows["計"][0].strip()
        if code not in records:
            continue
        for sex, field_name in (("男", "age_male"), ("女", "age_female")):
            counts = [_int(rows[sex][i], path=path, line=line, column=header[i]) for i in columns]
            stated = _int(rows[sex][total_col], path=path, line=line, column="總計")
            if sum(counts) != stated:
                raise ImportRefused(
                    f"{path.name}: line {line}: {code} {sex} ages add up to {sum(counts)}, 總計 says {stated}"
                )
            setattr(records[code], field_name, counts)
