"""Real door plates written the ways people write them: the families of the search evaluation.

Shared by the search benchmark (``bench.search``: per-family top-1 in ``make bench``) and the real-data test that
holds the floors (``tests/addresses/test_search_families.py``). Pure Python: callers read the plates from the
database (``PlateRecord``) and pass a seeded ``random.Random``, so a run is repeatable and no family is tuned to one
example. Each family has a predicate (which plates it can be written for: the 褔/福 typo needs a 福, "-" for 之 needs
a 之) and a writer; several writers draw among the variants people use (spaces, commas, word order) with the seeded
generator. ``nonexistent`` writes the six kinds of addresses that do not exist from the same plates.

Simplified and Japanese forms come from OpenCC (the same library the engine uses, but its converters in the other
direction: traditional → simplified / shinjitai), never from a hand table.
"""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_CN_DIGITS = "零一二三四五六七八九"
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def cn(value: int) -> str:
    """Chinese numeral as people write it (十七, 二十一, 一百零一)."""
    if value < 10:
        return _CN_DIGITS[value]
    if value < 20:
        return "十" + (_CN_DIGITS[value % 10] if value % 10 else "")
    if value < 100:
        return _CN_DIGITS[value // 10] + "十" + (_CN_DIGITS[value % 10] if value % 10 else "")
    if value < 1000:
        rest = value % 100
        tail = "" if rest == 0 else ("零" + _CN_DIGITS[rest] if rest < 10 else ("一" + cn(rest) if rest < 20 else cn(rest)))
        return _CN_DIGITS[value // 100] + "百" + tail
    return str(value)


@dataclass(frozen=True)
class PlateRecord:
    """One active plate with what the writers need (read from the database by the caller)."""

    pk: int
    address: str  # canonical: 新竹市東區光復路二段101號5樓
    county: str
    district: str
    village: str
    hood: int | None
    zip_code: str
    road_base: str  # 光復路 ("" for an area-only plate)
    section: int | None
    area: str
    lane: str  # may carry 之: 12之1
    alley: str
    prefix: str
    number: int
    sub: int | None
    suffix: int | None
    floor: int | None
    floor_unit: str
    floor_sub: int | None
    x: float
    y: float
    address_en: str  # the platform's MOI English: 5F-2, No. 101-1, Sec. 2, Guangfu Rd., East Dist., Hsinchu City
    road_en: str  # English road name without section: Guangfu Rd.
    district_en: str
    county_en: str
    entrance_has_bare_plate: bool = True  # False: this number has floor plates only
    lowest_unit: bool = False  # the lowest unit of its entrance


@dataclass(frozen=True)
class Style:
    """How the street part is written."""

    section: str = "cn"  # cn 二段 | ar 2段
    numbers: str = "ar"  # ar | cn (lane, alley, number, 之 and floor in Chinese numerals)
    floor: str = "ar"  # ar 5樓 | cn 五樓 | F 5F | spaced "5 樓"
    zhi: str = "之"  # 之 | -
    hao: str = "號"  # 號 | "" (left out) | " " (a space instead)
    road_type: bool = True  # False: 光復二段 (路 left out)
    floor_gap: str = ""  # text between 號 and the floor: "" | " "


def _num(value: int, style: Style) -> str:
    return cn(value) if style.numbers == "cn" else str(value)


def _lane(text: str, style: Style) -> str:
    main, _, sub = text.partition("之")
    out = _num(int(main), style)
    return out + (f"{style.zhi}{_num(int(sub), style)}" if sub else "")


def street(r: PlateRecord, style: Style = Style()) -> str:
    """The street part of the plate (no county/district/village) in the given style."""
    out = ""
    if r.road_base:
        base = r.road_base
        if not style.road_type:
            for word in ("大道", "路", "街"):
                if base.endswith(word):
                    base = base[: -len(word)]
                    break
        out += base
        if r.section:
            out += (cn(r.section) if style.section == "cn" else str(r.section)) + "段"
    out += r.area
    if r.lane:
        out += _lane(r.lane, style) + "巷"
    if r.alley:
        out += _lane(r.alley, style) + "弄"
    out += r.prefix + _num(r.number, style)
    if r.sub is not None:
        out += style.zhi + _num(r.sub, style)
    if r.suffix is not None and style.zhi == "-":
        out += f"-{_num(r.suffix, style)}{style.hao}"  # 101-1號: people write both 之 forms so
    else:
        out += style.hao
        if r.suffix is not None:
            out += "之" + _num(r.suffix, style)
    if r.floor is not None:
        out += style.floor_gap
        if r.suffix is not None and not style.floor_gap and style.floor in ("ar", "spaced", "F"):
            out += " "  # 9號之9 2樓: digits would otherwise run together (as on paper, a space)
        out += _floor(r, style)
    return out


def _floor(r: PlateRecord, style: Style) -> str:
    assert r.floor is not None
    if r.floor_unit == "室":
        text = "地下室"
    elif style.floor == "F":
        text = f"{r.floor}F" if r.floor > 0 else f"B{-r.floor}"
        if r.floor_unit == "層":
            text = f"{r.floor}層" if r.floor > 0 else f"地下{-r.floor}層"
    else:
        unit = r.floor_unit or "樓"
        n = abs(r.floor)
        digits = cn(n) if style.floor == "cn" or style.numbers == "cn" else str(n)
        if style.floor == "spaced":
            digits = f"{digits} "
        text = f"{digits}{unit}" if r.floor > 0 else f"地下{digits}{unit}"
    if r.floor_sub is not None:
        text += ("-" if style.zhi == "-" else "之") + _num(r.floor_sub, style)
    return text


def registry_street(r: PlateRecord) -> str:
    """The street part as the registry's FULL_ADDR writes it: floors in Chinese numerals (23號十七樓之5)."""
    return street(r, Style(floor="cn"))


def _county_short(r: PlateRecord) -> str:
    return r.county[:-1] if r.county[-1:] in "市縣" else r.county


def _hood(r: PlateRecord) -> str:
    return f"{r.hood}鄰" if r.hood is not None else ""


# --- simplified / Japanese forms (OpenCC, traditional → simplified or shinjitai) -----------------------------------


@functools.cache
def _opencc(config: str):
    import opencc  # the engine's own dependency; imported here so that the module loads without it

    return opencc.OpenCC(config)


def simplified(text: str) -> str:
    return _opencc("t2s.json").convert(text)


def japanese(text: str) -> str:
    return _opencc("t2jp.json").convert(text)


# --- English ---------------------------------------------------------------------------------------------------

_TYPE_LONG = {"Rd.": "Road", "St.": "Street", "Blvd.": "Boulevard", "Ave.": "Avenue"}
_DIRECTION_LONG = {"N.": "North", "S.": "South", "E.": "East", "W.": "West"}


def _road_informal(r: PlateRecord, rng: random.Random) -> str:
    words = r.road_en.replace("’", rng.choice(["’", "'", ""])).split()
    out = []
    for w in words:
        if w in _TYPE_LONG:
            out.append(rng.choice([_TYPE_LONG[w], w, w.rstrip(".")]))
        elif w in _DIRECTION_LONG:
            out.append(rng.choice([_DIRECTION_LONG[w], w]))
        else:
            out.append(w)
    return " ".join(out)


def english_informal(r: PlateRecord, rng: random.Random) -> str:
    """Informal English: number first or "No.12", "Road Section 2", "5th Floor", lower case, no commas, zip anywhere."""
    road = _road_informal(r, rng)
    if r.section:
        road = rng.choice([f"{road} Section {r.section}", f"{road} Sec {r.section}", f"Section {r.section} {road}"])
    number = str(r.number) + (f"-{r.sub}" if r.sub is not None else "") + (f"-{r.suffix}" if r.suffix is not None else "")
    parts: list[str] = []
    if r.floor is not None and r.floor_unit != "室":
        if r.floor < 0:
            floor = f"B{-r.floor}"
        else:
            floor = rng.choice(
                [f"{r.floor}F", f"{r.floor}F.", f"Floor {r.floor}", f"{_ordinal(r.floor)} Floor", f"{r.floor}/F"]
            )
        if r.floor_sub is not None:
            floor = rng.choice([f"{floor}-{r.floor_sub}", f"{floor}, Room {r.floor_sub}"])
        parts.append(floor)
    elif r.floor_unit == "室":
        parts.append("Basement")
    lane_alley = []
    if r.alley:
        lane_alley.append(f"{rng.choice(['Alley', 'Aly.', 'Aly'])} {r.alley.replace('之', '-')}")
    if r.lane:
        lane_alley.append(f"{rng.choice(['Lane', 'Ln.', 'Ln'])} {r.lane.replace('之', '-')}")
    if rng.random() < 0.5 and not parts:
        head = [f"{number} " + ", ".join(lane_alley + [road]) if lane_alley else f"{number} {road}"]
    else:
        head = [rng.choice([f"No.{number}", f"No. {number}", f"no {number}", f"#{number}"]), *lane_alley, road]
    parts.extend(head)
    tail = [rng.choice(["East District", "East Dist.", "East Dist"]), rng.choice(["Hsinchu City", "Hsinchu"])]
    if rng.random() < 0.3:
        tail = tail[1:]
    zip_code = rng.choice(["300", r.zip_code or "300"])
    where = rng.randrange(3)
    if where == 0:
        tail.append(zip_code)
    elif where == 1:
        tail[-1] = f"{tail[-1]} {zip_code}"
    if rng.random() < 0.5:
        tail.append(rng.choice(["Taiwan (R.O.C.)", "Taiwan", "Taiwan R.O.C.", "ROC"]))
    text = rng.choice([", ", " ", ","]).join(parts + tail)
    if where == 2:
        text = f"{zip_code} {text}"
    return text.lower() if rng.random() < 0.3 else text


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def english_moi(r: PlateRecord, rng: random.Random) -> str:
    """The MOI form as the platform writes it, with or without the zip code and country."""
    text = r.address_en
    return rng.choice([text, f"{text} 300", f"{text} {r.zip_code or '300'}, Taiwan (R.O.C.)"])


# --- families --------------------------------------------------------------------------------------------------


def _stray(r: PlateRecord, rng: random.Random) -> str:
    pieces = [r.county, r.district, *_split_street(r)]
    seps = [" ", "  ", ",", "，", "、", " , ", "", "　"]
    text = pieces[0]
    for p in pieces[1:]:
        text += rng.choice(seps) + p
    return rng.choice(["", " ", "「"]) + text + rng.choice(["", "。", " ", ".", "」", "；"])


def _split_street(r: PlateRecord) -> list[str]:
    out = []
    if r.road_base:
        out.append(r.road_base + (f"{cn(r.section)}段" if r.section else ""))
    if r.area:
        out.append(r.area)
    if r.lane:
        out.append(f"{r.lane}巷")
    if r.alley:
        out.append(f"{r.alley}弄")
    rest = street(r)[len("".join(out)) :]
    if r.floor is not None:
        number, _, floor = rest.partition("號")
        return [*out, number + "號", floor] if floor else [*out, rest]
    return [*out, rest]


def _spaced_floor(r: PlateRecord, rng: random.Random) -> str:
    style = rng.choice([Style(floor_gap=" "), Style(floor="spaced"), Style(floor="spaced", floor_gap=" ")])
    return r.county + r.district + street(r, style)


def _hao_missing(r: PlateRecord, rng: random.Random) -> str:
    if r.floor is None and r.suffix is None:
        return r.county + r.district + street(r, Style(hao=""))
    return r.county + r.district + street(r, Style(hao=rng.choice(["", " ", ","])))


def _village_hood_without_hood(r: PlateRecord, rng: random.Random) -> str:
    return f"{r.county}{r.district}{r.village}{r.hood}{street(r)}"


def _combination(r: PlateRecord, rng: random.Random) -> str:
    """Three to five of the everyday changes at once."""
    style = Style(
        section=rng.choice(["cn", "ar"]),
        numbers=rng.choice(["ar", "ar", "cn"]),
        floor=rng.choice(["ar", "cn", "F"]),
        zhi=rng.choice(["之", "-"]),
        hao=rng.choice(["號", "號", ""]) if r.floor is None and r.suffix is None else "號",
    )
    prefix = rng.choice(
        ["", r.district, r.county + r.district, _county_short(r) + r.district, "300" + r.county + r.district]
    )
    if rng.random() < 0.3 and r.village:
        prefix += r.village + (_hood(r) if rng.random() < 0.5 else "")
    text = prefix + street(r, style)
    if rng.random() < 0.3:
        text = text.translate(FULL_WIDTH)
    if rng.random() < 0.3:
        text = text.replace("臺", "台")
    if rng.random() < 0.3:
        text = " ".join([prefix, street(r, style)]) if prefix else text
    return text


Writer = Callable[[PlateRecord, random.Random], str]


@dataclass(frozen=True)
class Family:
    name: str
    write: Writer
    applies: Callable[[PlateRecord], bool] = lambda r: True
    needs_unit: bool = False  # a floor or 之 is named: the hit must be the unit itself


def _has_floor(r: PlateRecord) -> bool:
    return r.floor is not None


def _has_zhi(r: PlateRecord) -> bool:
    return r.sub is not None or r.suffix is not None or "之" in r.lane + r.alley or r.floor_sub is not None


def _has_road(r: PlateRecord) -> bool:
    return bool(r.road_base)


def _has_section(r: PlateRecord) -> bool:
    return r.section is not None


FAMILIES: tuple[Family, ...] = (
    Family("canonical", lambda r, g: r.address),
    Family(
        "registry form (村里鄰, 十七樓)", lambda r, g: f"{r.county}{r.district}{r.village}{_hood(r)}{registry_street(r)}"
    ),
    Family("street only", lambda r, g: street(r)),
    Family("no city", lambda r, g: r.district + street(r)),
    Family("no district", lambda r, g: r.county + street(r)),
    Family("neither (village first)", lambda r, g: r.village + (_hood(r) if g.random() < 0.5 else "") + street(r)),
    Family(
        "臺/台",
        lambda r, g: g.choice(["台灣", "臺灣省", "台灣省", "中華民國台灣"]) + r.address.replace("臺", "台"),
    ),
    Family("city without 市", lambda r, g: _county_short(r) + r.district + street(r)),
    Family("3-digit zip", lambda r, g: g.choice(["300", "300 ", "(300)"]) + r.address),
    Family("6-digit zip", lambda r, g: r.zip_code + g.choice(["", " "]) + r.address, lambda r: bool(r.zip_code)),
    Family("village and 鄰", lambda r, g: f"{r.county}{r.district}{r.village}{_hood(r)}{street(r)}"),
    Family("village without 鄰", lambda r, g: f"{r.county}{r.district}{r.village}{street(r)}"),
    Family("village and 鄰 without 鄰", _village_hood_without_hood, lambda r: r.hood is not None),
    Family("Arabic section", lambda r, g: r.county + r.district + street(r, Style(section="ar")), _has_section),
    Family("Chinese-numeral numbers", lambda r, g: r.county + r.district + street(r, Style(numbers="cn"))),
    Family("full-width digits", lambda r, g: r.address.translate(FULL_WIDTH)),
    Family("- for 之", lambda r, g: r.county + r.district + street(r, Style(zhi="-")), _has_zhi, needs_unit=True),
    Family("號 missing", _hao_missing),
    Family("F for 樓", lambda r, g: r.county + r.district + street(r, Style(floor="F")), _has_floor, needs_unit=True),
    Family(
        "Arabic floor",
        lambda r, g: f"{r.county}{r.district}{r.village}{_hood(r)}{street(r)}",
        _has_floor,
        needs_unit=True,
    ),
    Family("spaced floor", _spaced_floor, _has_floor, needs_unit=True),
    Family("stray spaces and punctuation", _stray),
    Family(
        "building number with floor plates only",
        lambda r, g: r.county + r.district + street(PlateRecordBase.of(r)),
        lambda r: r.floor is not None and r.lowest_unit and not r.entrance_has_bare_plate,
    ),
    Family("road type word omitted", lambda r, g: g.choice(["", r.district]) + street(r, Style(road_type=False)), _has_road),
    Family("variant and simplified characters", lambda r, g: g.choice([simplified, japanese, simplified])(r.address)),
    Family("褔/福 typo", lambda r, g: r.address.replace("福", "褔"), lambda r: "福" in r.address),
    Family("English MOI", english_moi),
    Family("informal English", english_informal, _has_road),
    Family("informal combinations", _combination),
)


class PlateRecordBase:
    """The entrance of a unit (floor dropped), for the 'floor plates only' family."""

    @staticmethod
    def of(r: PlateRecord) -> PlateRecord:
        from dataclasses import replace

        return replace(r, floor=None, floor_unit="", floor_sub=None)


def family_queries(
    records: Sequence[PlateRecord], *, per_family: int, seed: int
) -> dict[str, list[tuple[PlateRecord, str]]]:
    """``per_family`` (plate, text) pairs per family, drawn with a fixed seed from the plates the family applies to."""
    rng = random.Random(seed)  # noqa: S311 (seeded test data)
    out: dict[str, list[tuple[PlateRecord, str]]] = {}
    for family in FAMILIES:
        pool = [r for r in records if family.applies(r)]
        chosen = rng.sample(pool, min(per_family, len(pool)))
        out[family.name] = [(r, family.write(r, rng)) for r in chosen]
    return out


def is_hit(record: PlateRecord, family: Family, hit_x: float, hit_y: float, hit_address: str) -> bool:
    """The first answer is the plate: within 2 m of its point, and the unit itself when a floor or 之 is named."""
    if (hit_x - record.x) ** 2 + (hit_y - record.y) ** 2 > 4.0:
        return False
    named_unit = family.needs_unit or record.floor is not None or record.sub is not None or record.suffix is not None
    if family.name == "building number with floor plates only":
        return True
    return hit_address == record.address if named_unit else True


# --- addresses that do not exist --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Nonexistent:
    kind: str
    text: str
    note: str = ""  # what was changed


NONEXISTENT_KINDS = (
    "beyond the road's last number",
    "a fake lane",
    "a floor above the building",
    "a number in a gap",
    "another district's address",
    "another district's road",
)


def nonexistent(
    records: Sequence[PlateRecord],
    *,
    per_kind: int,
    seed: int,
    foreign_roads: Sequence[str],
    other_areas: Sequence[str],
) -> list[Nonexistent]:
    """``per_kind`` addresses of each kind that do not exist, built from real plates.

    ``foreign_roads``: real road names (the national table) that are not roads of the district; ``other_areas``:
    county+district prefixes of other districts (新竹市北區, 臺北市中正區, 香山區…).
    """
    rng = random.Random(seed)  # noqa: S311 (seeded test data)
    by_place: dict[tuple, list[PlateRecord]] = {}
    floors: dict[tuple, int] = {}
    entrances: set[tuple] = set()
    lanes: dict[tuple, set[str]] = {}
    for r in records:
        place = (r.road_base, r.section, r.area, r.lane, r.alley)
        if r.floor is None and r.sub is None and r.suffix is None and not r.prefix:
            by_place.setdefault(place, []).append(r)
        entrance = (*place, r.prefix, r.number, r.sub, r.suffix)
        entrances.add(entrance)
        if r.floor is not None and r.floor_unit == "":
            floors[entrance] = max(floors.get(entrance, 0), r.floor)
        lanes.setdefault((r.road_base, r.section, r.area), set()).add(r.lane)
    numbers_at: dict[tuple, set[int]] = {}
    for e in entrances:
        numbers_at.setdefault(e[:5], set()).add(e[6])
    out: list[Nonexistent] = []
    places = sorted((p for p in by_place if p[0]), key=str)

    # Beyond the last number on the same side, by 10–200.
    for place in rng.sample(places, min(per_kind, len(places))):
        r = rng.choice(by_place[place])
        last = max(n for n in numbers_at[place] if n % 2 == r.number % 2)
        number = last + 2 * rng.randint(5, 100)
        out.append(Nonexistent(NONEXISTENT_KINDS[0], r.county + r.district + street(_renumber(r, number)), f"last {last}"))
    # A lane the road does not have.
    roads = sorted({(r.road_base, r.section, r.area) for r in records if r.road_base}, key=str)
    for road in (rng.choice(roads) for _ in range(per_kind)):
        have = {int(lane.split("之")[0]) for lane in lanes[road] if lane}
        lane = max(have | {0}) + rng.randint(1, 60) * 2
        r = next(x for x in records if (x.road_base, x.section, x.area) == road)
        fake = _renumber(_with(r, lane=str(lane), alley=""), rng.randint(1, 60))
        out.append(Nonexistent(NONEXISTENT_KINDS[1], r.county + r.district + street(fake), f"lanes up to {max(have | {0})}"))
    # A floor above the highest registered floor of a building.
    tall = sorted(floors, key=str)
    for entrance in rng.sample(tall, min(per_kind, len(tall))):
        r = _find_entrance(records, entrance)
        top = floors[entrance]
        fake = _with(r, floor=top + rng.randint(1, 5), floor_unit="", floor_sub=None)
        out.append(Nonexistent(NONEXISTENT_KINDS[2], r.county + r.district + street(fake), f"top floor {top}"))
    # A number in a gap between two numbers on the same side (no plate of any kind has it).
    gaps = []
    for place in places:
        have = numbers_at[place]
        side = sorted(n for n in have)
        for a, b in itertools.pairwise(side):
            for n in range(a + 2, b, 2):
                if n not in have and (n - a) % 2 == 0:
                    gaps.append((place, n))
    for place, n in rng.sample(gaps, min(per_kind, len(gaps))):
        r = by_place[place][0]
        out.append(Nonexistent(NONEXISTENT_KINDS[3], r.county + r.district + street(_renumber(r, n)), "gap"))
    # The district's own street address under another district.
    plain = [r for r in records if r.road_base]
    for r in rng.sample(plain, min(per_kind, len(plain))):
        out.append(Nonexistent(NONEXISTENT_KINDS[4], rng.choice(other_areas) + street(r), "other district"))
    # A real road of another district, with this district's prefix or none. Half of them are one character from the
    # road of a real plate here, with that plate's section, lane and number (中清路二段1號 where 中華路二段1號 exists):
    # the trap where a careless corrector answers the district's plate.
    local = {r.road_base for r in plain}
    by_length: dict[int, list[str]] = {}
    for name in foreign_roads:
        by_length.setdefault(len(name), []).append(name)
    twins = {mine: [n for n in by_length.get(len(mine), []) if _one_apart(n, mine)] for mine in sorted(local)}
    trapped = [r for r in plain if twins.get(r.road_base)]
    for i, r in enumerate(rng.sample(plain, min(per_kind, len(plain)))):
        if i % 2 == 0 and trapped:
            r = rng.choice(trapped)
            fake = _with(r, road_base=rng.choice(twins[r.road_base]), area="")
        else:
            fake = _with(r, road_base=rng.choice(foreign_roads), section=rng.choice([None, None, 1, 2]), area="")
        text = rng.choice(["", r.district, r.county + r.district]) + street(fake)
        out.append(Nonexistent(NONEXISTENT_KINDS[5], text, fake.road_base))
    return out


def _one_apart(a: str, b: str) -> bool:
    """Same length and one character different (中清路 / 中華路)."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _entrance(r: PlateRecord) -> tuple:
    return (r.road_base, r.section, r.area, r.lane, r.alley, r.prefix, r.number, r.sub, r.suffix)


def _find_entrance(records: Sequence[PlateRecord], entrance: tuple) -> PlateRecord:
    for r in records:
        if _entrance(r) == entrance:
            return r
    raise LookupError(entrance)


def _with(r: PlateRecord, **changes) -> PlateRecord:
    from dataclasses import replace

    return replace(r, **changes)


def _renumber(r: PlateRecord, number: int) -> PlateRecord:
    return _with(r, number=number, sub=None, suffix=None, floor=None, floor_unit="", floor_sub=None, prefix="")
