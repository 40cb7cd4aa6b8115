"""What the geocoder knows about names, held in memory: the covered districts' roads, aliases and villages, every
county and district of Taiwan, and the national road names — so that a road is resolved without a query.

``gazetteer()`` returns the current ``Gazetteer``. The local part (a few hundred roads per district) is read again
whenever one cheap statement — a checksum over roads, aliases, villages and districts and the newest plate id, on
the search connection, read at most once a second outside a transaction — shows that they changed, so an import or
an admin edit is seen by the next search (within a second). The national part is read lazily, only when a name is
not one of the district's: the districts and their roads from the stored 3+3 zip-code rules (every county and
district of Taiwan, ~29,000 roads with their districts), plus the national zh→en road-name table
(``GEO_PORTAL_ROAD_NAMES_FILE``, by default ``streets/road_names_zh_en_…national.csv`` under the shared data folder;
read at run time, never copied into the repository; its English names let an English road of another district be
recognised too). Neither is required: without them fewer names are known elsewhere.
"""

from __future__ import annotations

import csv
import functools
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connections

from geo_portal.addresses.parsing import COUNTIES, normalize_text
from geo_portal.addresses.search import sql as search_sql
from geo_portal.addresses.variants import known_characters, variant_table
from geo_portal.core.numerals import int_to_cn

ROAD_NAMES_FILE = "streets/road_names_zh_en_CE_Rd_St_H_12011_national.csv"
ROAD_TYPES = ("大道", "路", "街")

_SIGNATURE = """
SELECT (SELECT count(*) || ':' || coalesce(sum(hashtext(r.name || '|' || r.name_en || '|' || r.name_en_source || '|'
                || r.district_id)), 0) FROM areas_road r),
       (SELECT count(*) || ':' || coalesce(sum(hashtext(a.alias || '|' || a.road_id)), 0) FROM areas_roadalias a),
       (SELECT count(*) || ':' || coalesce(sum(hashtext(v.name || '|' || v.district_id)), 0) FROM areas_village v),
       (SELECT count(*) || ':' || coalesce(sum(hashtext(d.name || '|' || d.name_en || '|' || c.name || '|' || c.name_en
                || '|' || d.id)), 0) FROM areas_district d JOIN areas_county c ON c.id = d.county_id),
       (SELECT coalesce(max(id), 0) FROM addresses_doorplate),
       (SELECT count(*) || ':' || coalesce(sum(hashtext(n.name)), 0) FROM buildings_named_v n),
       (SELECT coalesce(min(id), 0) || ':' || coalesce(max(id), 0) FROM addresses_zipcoderule)
"""
_ROADS = "SELECT r.id, r.name, r.base_name, r.section, r.name_en, r.name_en_source, r.district_id FROM areas_road r"
_ALIASES = "SELECT a.alias, a.road_id FROM areas_roadalias a"
_DISTRICTS = """
SELECT d.id, d.name, d.name_en, c.name, c.name_en, EXISTS (SELECT 1 FROM areas_road r WHERE r.district_id = d.id)
FROM areas_district d JOIN areas_county c ON c.id = d.county_id
"""
_VILLAGES = "SELECT v.name, v.district_id FROM areas_village v"
# Places named without a road (光明新村, 清大東院): few distinct names, read with the rest (the newest plate id is in
# the checksum, so an import that adds one is seen).
_AREAS = """
SELECT DISTINCT p.area, p.district_id, p.road_id FROM addresses_doorplate p WHERE p.area <> '' AND p.status = 'active'
"""
_NATIONAL = "SELECT DISTINCT county, district, road FROM addresses_zipcoderule"
_SPACES = re.compile(r"\s+")

_SECTION_TAIL = re.compile(r"([一二三四五六七八九十]+)段$")
_DIGITS = re.compile(r"\d+")
_ENGLISH_WORD = re.compile(r"[a-z0-9]+")
_ENGLISH_WORDS = {
    "rd": "road",
    "st": "street",
    "blvd": "boulevard",
    "ave": "avenue",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
}
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")


@dataclass(frozen=True, slots=True)
class RoadInfo:
    id: int
    name: str  # 光復路二段
    base_name: str  # 光復路
    section: int | None
    name_en: str  # Sec. 2, Guangfu Rd.
    name_en_is_pinyin: bool
    district_id: int


@dataclass(frozen=True, slots=True)
class DistrictInfo:
    id: int
    name: str
    name_en: str
    county: str
    county_en: str
    covered: bool  # has roads: the platform holds its door plates


@dataclass
class Gazetteer:
    roads: dict[int, RoadInfo]
    districts: dict[int, DistrictInfo]
    by_name: dict[str, list[int]]  # 光復路二段 → road ids (one per covered district)
    by_stem: dict[str, list[int]]  # 光復二段 / 東門 (type word left out) → road ids
    by_alias: dict[str, list[int]]
    by_english: dict[tuple[str, int | None], list[int]]  # (english key, section) → road ids
    villages: dict[str, set[int]]  # village name → district ids
    areas: dict[str, set[tuple[int, int | None]]]  # area (地區) name → (district id, road id or None)
    chars: dict[int, str]  # variant table for ``variants.to_traditional``
    chars_loose: dict[int, str]  # the same, also mapping forms that are themselves known characters
    signature: tuple = ()
    landmarks: dict[str, str] = field(default_factory=dict)  # name_key(name) → the building name (landmarks)
    _national: NationalNames | None = field(default=None, repr=False)

    @property
    def covered(self) -> list[DistrictInfo]:
        return [d for d in self.districts.values() if d.covered]

    def national(self) -> NationalNames:
        if self._national is None:
            pairs = frozenset((d.county, d.name) for d in self.districts.values())
            self._national = _national_names(self.signature[-1], pairs, _road_names_key())
        return self._national


@dataclass(frozen=True)
class NationalNames:
    """Names outside the covered districts: which districts each county has, where each road lies."""

    districts: dict[str, set[str]]  # county → its districts
    district_counties: dict[str, set[str]]  # district → counties that have one
    road_places: dict[str, set[tuple[str, str]]]  # road name without section → (county, district)
    english_roads: dict[str, tuple[str, ...]]  # english key → Chinese names (several roads share one spelling)


def stem(base_name: str) -> str:
    """光復路 → 光復, 東門街 → 東門, 介壽一路 → 介壽一: the name without its type word."""
    for word in ROAD_TYPES:
        if base_name.endswith(word) and len(base_name) > len(word):
            return base_name[: -len(word)]
    return base_name


def place_key(text: str) -> str:
    """Digits inside a road name as Chinese numerals (公道5路 → 公道五路), as road names are registered."""
    return _DIGITS.sub(lambda m: int_to_cn(int(m.group())) if 0 < int(m.group()) < 10_000 else m.group(), text)


def name_key(text: str) -> str:
    """A place name as the search compares it: normalised like an address (full-width, punctuation), no spaces."""
    return _SPACES.sub("", normalize_text(text)[0])


def english_key(text: str) -> str:
    """'Sec. 2, Guangfu Rd.' / 'guangfu road' / "Ren'ai St." → a comparable key ('guangfuroad', 'renaistreet')."""
    words = _ENGLISH_WORD.findall(text.lower().replace("’", "").replace("'", ""))
    out = []
    for w in words:
        m = _ORDINAL.match(w)
        out.append(m.group(1) if m else _ENGLISH_WORDS.get(w, w))
    return "".join(out)


def english_base(name_en: str) -> tuple[str, int | None]:
    """'Sec. 2, Guangfu Rd.' → ('Guangfu Rd.', 2)."""
    m = re.match(r"^Sec\. (\d+), (.*)$", name_en)
    return (m.group(2), int(m.group(1))) if m else (name_en, None)


_lock = threading.Lock()
_current: Gazetteer | None = None
_checked_at = 0.0


def gazetteer() -> Gazetteer:
    """The gazetteer for the search connection's current data (one checksum statement; rebuilt when it changed).

    Outside a transaction (the search connection autocommits) the checksum is read at most once per
    ``PUBLIC_DATA_RECHECK_SECONDS`` (0.5 ms saved per search; 1 s by default, 0 in the tests, which see each committed
    change at once): a renamed road is seen within that window. Inside a transaction, where
    the same connection may just have changed roads or plates (the tests, a service that geocodes what it wrote), it is
    read every time.
    """
    global _current, _checked_at
    connection = connections[settings.SEARCH_DB]
    current = _current
    now = time.monotonic()
    window = settings.PUBLIC_DATA_RECHECK_SECONDS
    if current is not None and not connection.in_atomic_block and now - _checked_at < window:
        return current
    with connection.cursor() as cur:
        cur.execute(_SIGNATURE)
        signature = tuple(cur.fetchone())
        if current is not None and current.signature == signature:
            _checked_at = now
            return current
        built = _build(cur, signature)
    with _lock:
        _current, _checked_at = built, now
    return built


def _build(cur, signature: tuple) -> Gazetteer:
    cur.execute(_DISTRICTS)
    districts = {row[0]: DistrictInfo(row[0], row[1], row[2], row[3], row[4], bool(row[5])) for row in cur.fetchall()}
    cur.execute(_ROADS)
    roads = {
        row[0]: RoadInfo(row[0], row[1], row[2], row[3], row[4] or "", row[5] == "pinyin", row[6]) for row in cur.fetchall()
    }
    by_name: dict[str, list[int]] = defaultdict(list)
    by_stem: dict[str, list[int]] = defaultdict(list)
    by_english: dict[tuple[str, int | None], list[int]] = defaultdict(list)
    for road in sorted(roads.values(), key=lambda r: r.id):
        by_name[road.name].append(road.id)
        section = f"{int_to_cn(road.section)}段" if road.section else ""
        if stem(road.base_name) != road.base_name:
            by_stem[stem(road.base_name) + section].append(road.id)
        if road.name_en:
            base_en, _ = english_base(road.name_en)
            by_english[(english_key(base_en), road.section)].append(road.id)
    cur.execute(_ALIASES)
    by_alias: dict[str, list[int]] = defaultdict(list)
    for alias, road_id in cur.fetchall():
        if road_id in roads:
            by_alias[alias].append(road_id)
    cur.execute(_VILLAGES)
    villages: dict[str, set[int]] = defaultdict(set)
    for name, district_id in cur.fetchall():
        villages[name].add(district_id)
    cur.execute(_AREAS)
    areas: dict[str, set[tuple[int, int | None]]] = defaultdict(set)
    for name, district_id, road_id in cur.fetchall():
        areas[name].add((district_id, road_id))
    cur.execute(search_sql.LANDMARK_NAMES)
    landmarks = {name_key(name): name for (name,) in sorted(cur.fetchall())}
    landmarks.pop("", None)
    names = [r.name for r in roads.values()] + list(villages) + list(areas)
    names += [d.name + d.county for d in districts.values()]
    return Gazetteer(
        roads=roads,
        districts=districts,
        by_name=dict(by_name),
        by_stem=dict(by_stem),
        by_alias=dict(by_alias),
        by_english=dict(by_english),
        villages=dict(villages),
        areas=dict(areas),
        chars=variant_table(known_characters(names)),
        chars_loose=variant_table(known_characters(names), loose=True),
        signature=signature,
        landmarks=landmarks,
    )


@functools.lru_cache(maxsize=4)
def _national_names(zip_signature: str, districts: frozenset[tuple[str, str]], names_file: tuple[str, int]) -> NationalNames:
    """Read once per set of zip-code rules, districts and road-name file (the zip-rule ids change with every import,
    the file's key is its path and modification time)."""
    county_districts: dict[str, set[str]] = defaultdict(set)
    district_counties: dict[str, set[str]] = defaultdict(set)
    road_places: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for county, district in districts:
        county_districts[county].add(district)
        district_counties[district].add(county)
    for county in COUNTIES:
        county_districts.setdefault(county, set())
    for county, district, road in _zip_rule_roads():
        county_districts[county].add(district)
        district_counties[district].add(county)
        m = _SECTION_TAIL.search(road)
        base = road[: m.start()] if m else road
        if base.endswith(ROAD_TYPES):
            road_places[base].add((county, district))
    english: dict[str, set[str]] = defaultdict(set)
    for zh, en in _read_road_names(*names_file) if names_file[0] else []:
        road_places.setdefault(zh, set())
        english[english_key(en)].add(zh)
    return NationalNames(
        dict(county_districts),
        dict(district_counties),
        dict(road_places),
        {k: tuple(sorted(v)) for k, v in english.items()},
    )


def _zip_rule_roads() -> list[tuple[str, str, str]]:
    with connections[settings.SEARCH_DB].cursor() as cur:
        cur.execute(_NATIONAL)
        return [(c.replace("台", "臺"), d, r) for c, d, r in cur.fetchall()]


def road_names_file() -> Path:
    configured = getattr(settings, "GEO_PORTAL_ROAD_NAMES_FILE", "")
    return Path(configured) if configured else Path(settings.SHARED_DATA_DIR) / ROAD_NAMES_FILE


def _road_names_key() -> tuple[str, int]:
    path = road_names_file()
    try:
        return str(path), path.stat().st_mtime_ns
    except OSError:
        return "", 0


@functools.lru_cache(maxsize=2)
def _read_road_names(path: str, mtime_ns: int) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [
            (row[0].strip().replace("台", "臺"), row[1].strip())
            for row in csv.reader(fh)
            if len(row) >= 2 and row[0].strip() and row[1].strip()
        ]
