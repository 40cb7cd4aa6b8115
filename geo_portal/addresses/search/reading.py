"""Reading a Chinese address the ways people write it: the possible readings of its administrative prefix.

Called by ``geocode``. The text is first brought to the data's characters (``variants``: 号→號, 复→復, 関→關…) and
normalised by the parser (full-width, numerals, 5F, "-" for 之, spaces); then the prefix is read against what the
gazetteer knows — zip code (3, 5 or 6 digits), country, county (also without 市/縣: 新竹東區), district (the
covered ones and every district of Taiwan), village (known names, with 鄰 written with or without 鄰: 關帝里15西門街),
鄰 — and the rest is parsed by ``parsing.parse``. Every way of reading the prefix is returned, most specific first;
``geocode`` keeps the first whose road it knows, so a road that begins like a place (竹村七路, 園區一路, 東區…) is
not cut up when the cut would leave no road.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from geo_portal.addresses.parsing import COUNTIES, Address, Problem, normalize_text, parse
from geo_portal.addresses.search.gazetteer import Gazetteer
from geo_portal.addresses.variants import to_traditional

_ZIP = re.compile(r"^(\d{3}(?:\d{3}|\d{2})?)(?![\d段巷弄號樓層鄰之/-])")
_COUNTRY = re.compile(r"^(?:中華民國)?(?:臺灣省?)?")
_DISTRICT_WORD = re.compile(r"^([^\d]{1,3}?[區鄉鎮市])")
_HOOD = re.compile(r"^(\d{1,3})鄰")
# 鄰 written without its word, between a village and a road name: 關帝里15西門街.
_HOOD_BARE = re.compile(r"^(\d{1,3})(?=[^\d段巷弄號樓層鄰之/-])")
_UNKNOWN_VILLAGE = re.compile(r"^([^\d]{1,4}?[里村])(?=\d{1,3}鄰)")
# Number and floor digits run together when 號 is left out (光復路二段1015樓): every split is a reading.
_RUN = re.compile(r"(?<![\d號之/])(\d{2,})(?=[樓層](?:之\d+)?$)")
_SUB_RUN = re.compile(r"(?<=之)(\d{2,})(?=[樓層](?:之\d+)?$)")  # 56之314樓: 之 number and floor
# 17樓5: the 之 of a floor sub-number left out (the registry itself has 四樓10 once).
_FLOOR_SUB_WITHOUT_ZHI = re.compile(r"(\d[樓層])(\d+)$")
_SHORT_COUNTIES: dict[str, list[str]] = {}
for _county in COUNTIES:
    _SHORT_COUNTIES.setdefault(_county[:2], []).append(_county)


@dataclass(frozen=True)
class Admin:
    """What the prefix named (empty = not given)."""

    zip_code: str = ""
    county: str = ""  # full name; several candidates when written without 市/縣 are resolved by the district
    district: str = ""
    village: str = ""
    hood: int | None = None

    @property
    def named(self) -> str:
        return self.county + self.district


@dataclass(frozen=True)
class Reading:
    admin: Admin
    address: Address
    problems: tuple[Problem, ...]
    splits: tuple[tuple[int, int | None, int], ...] = ()  # (number, 之, floor) when the digits ran together


def readings(text: str, gz: Gazetteer) -> tuple[list[Reading], str]:
    """Every reading of ``text``, most specific first, and the text in the data's characters."""
    typed = to_traditional(text, gz.chars)
    out = _readings(typed, gz)
    loose = to_traditional(text, gz.chars_loose)
    if loose != typed:
        out += _readings(loose, gz)  # 新庄街: 庄 is also a character of the data (大庄里), 莊 is meant
    return out, typed


def admin_readings(text: str, gz: Gazetteer) -> list[tuple[Admin, str]]:
    """Every reading of the administrative prefix (zip, county, district, village, 鄰) with the rest of the text, most
    specific first — for places named without a number (關新里5鄰, 新竹市東區關新里, 東區科學二館)."""
    normalised, _ = normalize_text(to_traditional(text, gz.chars))
    zip_code, s = _take(_ZIP, normalised)
    s = _COUNTRY.sub("", s, count=1)
    out: list[tuple[Admin, str]] = []
    for county, rest in _counties(s, gz):
        if county and county not in COUNTIES:
            continue
        for district, rest2 in _districts(county, rest, gz):
            out.extend((Admin(zip_code, county, district, v, hood), rest3) for v, hood, rest3 in _villages(rest2, gz))
    return out


def _readings(typed: str, gz: Gazetteer) -> list[Reading]:
    known = {d.name for d in gz.districts.values()} | set(gz.national().district_counties)
    normalised, _ = normalize_text(typed)
    normalised = _FLOOR_SUB_WITHOUT_ZHI.sub(r"\1之\2", normalised)
    zip_code, s = _take(_ZIP, normalised)
    s = _COUNTRY.sub("", s, count=1)
    out: list[Reading] = []
    seen: set[tuple] = set()
    for county, rest in _counties(s, gz):
        for district, rest2 in _districts(county, rest, gz):
            if county and county not in COUNTIES:
                continue
            for village, hood, rest3 in _villages(rest2, gz):
                admin = Admin(zip_code, county, district, village, hood)
                for reading in _parse(admin, rest3, known):
                    key = (reading.admin, reading.address)
                    if key not in seen:
                        seen.add(key)
                        out.append(reading)
    return out


def _take(pattern: re.Pattern[str], s: str) -> tuple[str, str]:
    m = pattern.match(s)
    return (m.group(1), s[m.end() :]) if m else ("", s)


def _counties(s: str, gz: Gazetteer) -> list[tuple[str, str]]:
    if s[:3] in COUNTIES:
        return [(s[:3], s[3:])]
    out = []
    for county in _SHORT_COUNTIES.get(s[:2], []):
        # 新竹東區: 新竹 is 新竹市 when that county has the district that follows (新竹縣 has no 東區).
        if any(s[2:].startswith(d) for d in _county_districts(county, gz)):
            out.append((county, s[2:]))
    if not out and s[:2] in _SHORT_COUNTIES and _covered_county(s[:2], gz):
        out.append((_covered_county(s[:2], gz), s[2:]))  # 新竹光復路…: the covered county written short
    return [*out, ("", s)]


def _covered_county(short: str, gz: Gazetteer) -> str:
    names = {d.county for d in gz.covered if d.county.startswith(short)}
    return names.pop() if len(names) == 1 else ""


def _county_districts(county: str, gz: Gazetteer) -> set[str]:
    names = {d.name for d in gz.districts.values() if d.county == county}
    return names | gz.national().districts.get(county, set())


def _districts(county: str, s: str, gz: Gazetteer) -> list[tuple[str, str]]:
    known = _county_districts(county, gz) if county else {d.name for d in gz.districts.values()}
    out = [(name, s[len(name) :]) for name in sorted(known, key=len, reverse=True) if s.startswith(name)][:1]
    if not out:
        m = _DISTRICT_WORD.match(s)
        if m and (county or m.group(1).endswith("區")):
            name = m.group(1)
            if county or name in gz.national().district_counties:
                out.append((name, s[m.end() :]))
    return [*out, ("", s)]


def _villages(s: str, gz: Gazetteer) -> list[tuple[str, int | None, str]]:
    out: list[tuple[str, int | None, str]] = []
    for name in gz.villages:
        if s.startswith(name):
            rest = s[len(name) :]
            hood, rest2 = _take(_HOOD, rest)
            if not hood:
                hood, rest2 = _take(_HOOD_BARE, rest)
            out.append((name, int(hood) if hood else None, rest2))
            if hood:
                out.append((name, None, rest))
    if not out:
        m = _UNKNOWN_VILLAGE.match(s)
        if m:
            hood, rest = _take(_HOOD, s[m.end() :])
            out.append((m.group(1), int(hood), rest))
        hood, rest = _take(_HOOD, s)
        if hood:
            out.append(("", int(hood), rest))
    out.sort(key=lambda v: len(v[2]))
    return [*out, ("", None, s)]


def _parse(admin: Admin, rest: str, known_districts: set[str]) -> list[Reading]:
    if not rest:
        return []
    result = parse(rest)
    addr = result.address
    if addr is None:
        return [Reading(admin, Address(), result.problems)]
    problems = tuple(p for p in result.problems if not (p.field == "floor" and "floor 0" in p.reason))
    splits: tuple[tuple[int, int | None, int], ...] = ()
    run = _RUN.search(rest)
    sub_run = _SUB_RUN.search(rest)
    if run and addr.floor is not None and addr.number is not None and addr.sub_number is None:
        digits = run.group(1)
        splits = tuple((int(digits[:k]), None, int(digits[k:])) for k in range(1, len(digits)) if digits[k] != "0")
    elif sub_run and addr.floor is not None and addr.number is not None and addr.sub_number is not None:
        digits = sub_run.group(1)
        splits = tuple((addr.number, int(digits[:k]), int(digits[k:])) for k in range(1, len(digits)) if digits[k] != "0")
    elif any(p.field == "floor" for p in result.problems):
        problems = result.problems
    out = []
    alternatives = addr.readings()
    if addr.district and not addr.county and addr.district not in known_districts:
        # 園區一29號: 園區 is no district but the start of a road whose type word was left out (園區一路).
        name = addr.district + addr.village
        alternatives.append(
            replace(
                addr,
                district="",
                village="",
                road=name + addr.road if addr.road else "",
                area=addr.area if addr.road else name + addr.area,
            )
        )
    for reading in alternatives:
        merged = admin
        if reading.district or reading.county or reading.village or reading.neighborhood is not None:
            # What the parser found in the rest (a village after the road, a district the prefix missed).
            merged = replace(
                admin,
                county=admin.county or reading.county,
                district=admin.district or reading.district,
                village=admin.village or reading.village,
                hood=admin.hood if admin.hood is not None else reading.neighborhood,
            )
        street = replace(reading, county="", district="", village="", neighborhood=None, zip_code="")
        out.append(Reading(merged, street, problems, splits))
    return out
