"""Reading and writing English addresses: the MOI format ("5F-2, No. 101-1, Ln. 12, Sec. 2, Guangfu Rd., East Dist.,
Hsinchu City 300") and the informal ways people write them ("101 Guangfu Road Section 2", "No.12, Lane 5, Dongda Road
Section 1", "3rd Floor", "B1", lower case, no commas, "Taiwan (R.O.C.)", the zip code anywhere).

Pure Python. ``parse_english(text)`` returns the components, the English road words (matched by the geocoder
against ``Road.name_en`` through ``gazetteer.english_key``, so Rd/Road, N./North, 5th/5 and apostrophes do not
matter) and the district and city it names; ``english_from_parts`` writes the MOI form. "No. 101-1" is read as
101之1號, the MOI's usual English for it; a floor in English ("5F", "B1") does not say 樓 or 層, so either is accepted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_TYPE_WORDS = {"rd": "Rd.", "road": "Rd.", "st": "St.", "street": "St.", "blvd": "Blvd.", "boulevard": "Blvd."}
_TYPE_WORDS |= {"ave": "Ave.", "avenue": "Ave."}
_CJK = re.compile(r"[\u3400-\u9fff]")
_COUNTRY = re.compile(r"\(?\b(?:republic of china|taiwan|formosa|r\.\s?o\.\s?c\.?|roc)\b\)?\.?", re.I)
_SUB = r"(?:\s*-\s*(\d+))?"
_BASEMENT = re.compile(r"\bb(\d+)\s*(?:f\b\.?)?" + _SUB + r"(?![\w.])", re.I)
_BASEMENT_WORD = re.compile(r"\bbasement\b(?:\s*(\d+))?", re.I)
# "Floor 6" before "6 Floor", so that a zip code in front ("300 Floor 6") is not read as the floor.
_FLOORS = (
    re.compile(r"\b(?:floor|fl\.?|level)\s*(\d+)\b", re.I),
    re.compile(r"\b(\d+)(?:st|nd|rd|th)\s*(?:floor|fl)\b\.?", re.I),
    re.compile(r"\b(\d+)\s*(?:/\s*f\b|f\b|fl\b|floor\b)\.?", re.I),
)
_FLOOR_SUB = re.compile(r"^\s*(?:-|之)\s*(\d+)|^\s*,?\s*(?:room|rm\.?|unit)\s*(\d+)", re.I)
# "No12", "Lane5": a word may run into its number.
_NUMBER = re.compile(r"(?:\bno(?![a-z])\.?|\bnumber(?![a-z])|#)\s*(\d+)" + _SUB + _SUB, re.I)
_LANE = re.compile(r"\b(?:lane|ln)(?![a-z])\.?\s*(\d+)" + _SUB, re.I)
_ALLEY = re.compile(r"\b(?:alley|aly)(?![a-z])\.?\s*(\d+)" + _SUB, re.I)
_SECTION = (
    re.compile(r"\b(?:section|sec)(?![a-z])\.?\s*(\d+)\b", re.I),
    re.compile(r"\b(\d+)(?:st|nd|rd|th)?\s+(?:section|sec)\b\.?", re.I),
)
_DISTRICT = re.compile(r"\b([a-z][a-z']*)\s+(?:dist(?:rict)?|township|twp)\b\.?", re.I)
_CITY = re.compile(r"\b((?:new\s+)?[a-z][a-z']*)\s+(city|county)\b\.?", re.I)
_ENGLISH_HINT = re.compile(
    r"\b(?:no|rd|road|st|street|blvd|boulevard|ave|avenue|lane|ln|alley|aly|sec|section|dist|district|city|floor)\b", re.I
)


@dataclass(frozen=True)
class EnglishAddress:
    road_en: str  # "Guangfu Rd." (without section), or the Chinese place written inside the English (光明新村)
    section: int | None
    lane: str
    alley: str
    number: int
    sub_number: int | None
    floor: int | None
    floor_sub: int | None
    number_suffix: int | None = field(default=None, compare=False)  # 101-1-2: a third part
    district_en: str = field(default="", compare=False)  # "East" (the words before Dist.)
    city_en: str = field(default="", compare=False)  # "Hsinchu City", "Taipei City", "Hsinchu County"
    zip_code: str = field(default="", compare=False)
    cellar: bool = field(default=False, compare=False)  # "Basement" without a number: 地下室 or the first basement
    area: str = field(default="", compare=False)  # a Chinese area name beside an English road (清大東院)

    @property
    def road_name_en(self) -> str:
        """As ``Road.name_en`` stores it: "Sec. 2, Guangfu Rd."."""
        return f"Sec. {self.section}, {self.road_en}" if self.section else self.road_en

    @property
    def chinese_place(self) -> bool:
        return bool(_CJK.search(self.road_en))


def looks_english(text: str) -> bool:
    """Latin letters naming address parts, a digit, and no Chinese outside a place name."""
    plain = unicodedata.normalize("NFKC", text)
    letters = [ch for ch in plain if ch.isalpha() and not _CJK.match(ch)]
    if not letters or not all(ch.isascii() for ch in letters):
        return False
    if not any(ch.isdigit() for ch in plain):
        return bool(re.search(r"\bno\b", plain, re.I))  # "No. three": English, unreadable (said so)
    if _CJK.search(plain):
        return bool(re.search(r"\bno\b\.?\s*\d", plain, re.I))  # No. 5, 光明新村, East Dist.
    return bool(re.search(r"\bno\b", plain, re.I)) or bool(_ENGLISH_HINT.search(plain))


def _cut(text: str, m: re.Match[str]) -> str:
    return text[: m.start()] + " , " + text[m.end() :]


def parse_english(text: str) -> EnglishAddress | None:
    """The components of an English address, or None when no house number or road can be read."""
    s = unicodedata.normalize("NFKC", text).replace("’", "'")
    s = _COUNTRY.sub(" ", s)
    floor = floor_sub = None
    cellar = False
    m = _BASEMENT.search(s)
    if m:
        floor, floor_sub = -int(m.group(1)), _int(m.group(2))
        after = _FLOOR_SUB.match(s[m.end() :]) if floor_sub is None else None
        if after:
            floor_sub = int(after.group(1) or after.group(2))
            s = s[: m.start()] + " , " + s[m.end() + after.end() :]
        else:
            s = _cut(s, m)
    else:
        m = _BASEMENT_WORD.search(s)
        if m:
            floor, cellar = -int(m.group(1) or 1), not m.group(1)
            s = _cut(s, m)
        else:
            for pattern in _FLOORS:
                m = pattern.search(s)
                if m:
                    floor = int(m.group(1))
                    after = _FLOOR_SUB.match(s[m.end() :])
                    if after:
                        floor_sub = int(after.group(1) or after.group(2))
                        s = s[: m.start()] + " , " + s[m.end() + after.end() :]
                    else:
                        s = _cut(s, m)
                    break
    number = sub = suffix = None
    m = _NUMBER.search(s)
    if m:
        number, sub, suffix = int(m.group(1)), _int(m.group(2)), _int(m.group(3))
        s = _cut(s, m)
    lane = alley = ""
    m = _LANE.search(s)
    if m:
        lane = m.group(1) + (f"之{m.group(2)}" if m.group(2) else "")
        s = _cut(s, m)
    m = _ALLEY.search(s)
    if m:
        alley = m.group(1) + (f"之{m.group(2)}" if m.group(2) else "")
        s = _cut(s, m)
    section = None
    for pattern in _SECTION:
        m = pattern.search(s)
        if m:
            section = int(m.group(1))
            s = _cut(s, m)
            break
    district = city = ""
    m = _DISTRICT.search(s)
    if m:
        district = m.group(1).title()
        s = _cut(s, m)
    m = _CITY.search(s)
    if m:
        city = f"{m.group(1).title()} {m.group(2).title()}"
        s = _cut(s, m)
    road, area, numbers = _road_and_numbers(s)
    zip_code = ""
    if number is None:
        # "101 Guangfu Road": the number is the figure before the road; a 3/5/6-digit figure elsewhere is the zip.
        before = [n for n in numbers if n[3] == "before"]
        if not before:
            return None
        chosen = before[-1]
        number, sub, suffix = chosen[0], chosen[1], chosen[2]
        numbers.remove(chosen)
    for n in numbers:
        if n[1] is None and len(str(n[0])) in (3, 5, 6) and not zip_code:
            zip_code = str(n[0])
    if not road:
        return None
    return EnglishAddress(
        road_en=road,
        section=section,
        lane=lane,
        alley=alley,
        number=number,
        sub_number=sub,
        floor=floor,
        floor_sub=floor_sub if floor is not None else None,
        number_suffix=suffix,
        district_en=district,
        city_en=city,
        zip_code=zip_code,
        cellar=cellar,
        area=area,
    )


_CITY_WORDS = frozenset({"hsinchu", "taipei", "taichung", "tainan", "kaohsiung", "keelung", "chiayi", "taoyuan"})
_TOKEN = re.compile(r"[\u3400-\u9fff]+|\d+(?:st|nd|rd|th)\b|\d+(?:-\d+){0,2}|[A-Za-z][A-Za-z'.]*|,", re.I)
_FIGURE = re.compile(r"\d+(?:-\d+){0,2}")


def _road_and_numbers(s: str) -> tuple[str, str, list[tuple[int, int | None, int | None, str]]]:
    """The road words left after the labelled parts are cut out, a Chinese area beside an English road (清大東院, Sec.
    2, Guangfu Rd.), and the bare figures, each said to stand before or after the place."""
    road = area = ""
    numbers: list[tuple[int, int | None, int | None, str]] = []
    segment: list[str] = []
    for piece in [*_TOKEN.findall(s), ","]:
        if piece != ",":
            segment.append(piece)
            continue
        found = _road_in(segment)
        where = "after" if road or area else "before"
        for t in segment:
            if found and t == found.split()[0]:
                where = "after"
            if _FIGURE.fullmatch(t):
                parts = [int(x) for x in t.split("-")] + [None, None]
                numbers.append((parts[0], parts[1], parts[2], where))
        if found and _CJK.search(found):
            area = area or found
        elif found:
            road = road or found
        segment = []
    if not road:
        road, area = area, ""  # a Chinese place alone (光明新村)
    return (_road_name(road.split()) if road else ""), area, numbers


def _road_in(words: list[str]) -> str:
    """The road in one comma-separated piece: a Chinese place, the words up to the last type word, or plain words."""
    for w in words:
        if _CJK.search(w):
            return w
    alpha = [i for i, w in enumerate(words) if not _FIGURE.fullmatch(w)]
    if not alpha:
        return ""
    types = [i for i in alpha if words[i].lower().rstrip(".") in _TYPE_WORDS]
    start = alpha[0]
    if types and types[-1] > start:
        return " ".join(words[start : types[-1] + 1])
    plain = [words[i] for i in alpha if words[i].lower().rstrip(".") not in _CITY_WORDS]
    return " ".join(plain) if plain and len(plain) <= 4 else ""


def _road_name(words: list[str]) -> str:
    """'guangfu road' → 'Guangfu Rd.'; Chinese kept as written."""
    out = []
    for i, w in enumerate(words):
        bare = w.rstrip(".").lower()
        if i == len(words) - 1 and bare in _TYPE_WORDS:
            out.append(_TYPE_WORDS[bare])
        elif _CJK.search(w):
            out.append(w)
        else:
            out.append(w.capitalize() if w.islower() or w.isupper() else w)
    return " ".join(out)


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def english_place(road: str, area: str) -> str:
    """The place part of an English address: the road's English name, with an area on it (清大東院) kept in Chinese
    before it ("清大東院, Sec. 2, Guangfu Rd."), or the area alone — it has no official English."""
    return f"{area}, {road}" if road and area else road or area


def english_from_parts(
    *,
    number_prefix: str,
    number: int,
    sub_number: int | None,
    number_suffix: int | None,
    floor: int | None,
    floor_sub: int | None,
    lane: str,
    alley: str,
    place: str,
    district: str,
    county: str,
) -> str:
    """'5F-2, No. 101-1, Ln. 12, Sec. 2, Guangfu Rd., East Dist., Hsinchu City' from address parts.

    ``place`` is the road's English name (official or pinyin), or the Chinese road/area name when none is loaded.
    """
    parts = []
    if floor is not None:
        unit = f"{floor}F" if floor > 0 else f"B{-floor}"
        parts.append(unit + (f"-{floor_sub}" if floor_sub is not None else ""))
    text = f"No. {number_prefix}{number}"
    for sub in (sub_number, number_suffix):
        if sub is not None:
            text += f"-{sub}"
    parts.append(text)
    if alley:
        parts.append(f"Aly. {alley.replace('之', '-')}")
    if lane:
        parts.append(f"Ln. {lane.replace('之', '-')}")
    parts.extend(p for p in (place, district, county) if p)
    return ", ".join(parts)
