"""Taiwan address parser: one free-text address → components and a canonical form, and back.

Pure Python (no Django, no database). Called by the door-plate importer, the admin search and the
geocoder. ``parse(text)`` returns a ``ParseResult``: the ``Address`` it could read plus a list of
``Problem`` entries naming what it could not understand; it never guesses silently.

Canonical form (what ``Address.street()`` renders and what the unique key is built from):
road name with 臺 and standard characters, section in Chinese numerals (光復路二段), lane/alley/number/
floor in digits, 之 for sub-numbers (101之1號, 101號之1), basements as 地下N樓.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field, replace

from geo_portal.core.numerals import NUMERAL_CHARS, cn_to_int, int_to_cn

MAX_INPUT_LENGTH = 200
# The largest value each numbered component can have on a real plate, with room to spare. Past it the text is
# refused with a problem naming the component: a 段 has no written form past 9999 (``int_to_cn``), and a 鄰 or
# number past 2**31 overflows the integer columns it is compared with or copied into (the batch stage).
RANGES = {
    "section": (1, 99),
    "neighborhood": (1, 999),
    "lane": (1, 99_999),
    "alley": (1, 99_999),
    "number": (1, 99_999),
    "sub_number": (1, 9_999),
    "number_suffix": (1, 9_999),
    "floor": (-99, 999),
    "floor_sub": (1, 9_999),
}

COUNTIES = (
    "臺北市",
    "新北市",
    "桃園市",
    "臺中市",
    "臺南市",
    "高雄市",
    "基隆市",
    "新竹市",
    "嘉義市",
    "新竹縣",
    "苗栗縣",
    "彰化縣",
    "南投縣",
    "雲林縣",
    "嘉義縣",
    "屏東縣",
    "宜蘭縣",
    "花蓮縣",
    "臺東縣",
    "澎湖縣",
    "金門縣",
    "連江縣",
    # Pre-2010/2014 names still seen on old documents.
    "臺北縣",
    "桃園縣",
    "臺中縣",
    "臺南縣",
    "高雄縣",
)
# Every county name is three characters: the parser looks the first three up instead of trying each name.
_COUNTY_SET = frozenset(COUNTIES)
assert {len(c) for c in COUNTIES} == {3}

# Variant and erroneous characters seen in registry data → the standard form (褔德街 is a real defect).
VARIANTS = str.maketrans(
    {
        "台": "臺",
        "褔": "福",
        "舘": "館",
        "衖": "弄",
        "峯": "峰",
        "羣": "群",
        "陞": "升",
        "畄": "留",
        "鄕": "鄉",
        "嶋": "島",
        "邨": "村",
        "巿": "市",  # U+5DFF, a look-alike of 市 typed by mistake
    }
)
DASHES = {ch: "-" for ch in "‐‑‒–—―−─━～~"}
CHARACTER_MAP = str.maketrans({**DASHES, **{chr(k): v for k, v in VARIANTS.items()}})
# Punctuation people type between parts; removed (parentheses are handled as notes first).
_SPACE_OR_PUNCTUATION = re.compile(r"[\s,，、。.;；:：'\"“”‘’「」『』#＃]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_LETTER_SPACED = re.compile(r"\S(?:\s\S){4,}")
_BINARY = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff\ue000-\uf8ff]")
UNREADABLE = set("■□?？�●○◎")

# The financial forms (壹貳參…) are written on some forms and cheques: 貳段, 拾伍號.
_FINANCIAL = str.maketrans("壹貳參叁肆伍陸柒捌玖拾佰仟", "一二三三四五六七八九十百千")
_NUM = f"[{NUMERAL_CHARS}壹貳參叁肆伍陸柒捌玖拾佰仟]+"
# A Chinese numeral directly before a unit (二段, 十七樓, 一百零一號) or after 之 is a number;
# elsewhere (三民路, 五福路) it is part of a name and left alone.
_CN_NUMERAL = re.compile(_NUM)
_UNITS = frozenset("段巷弄號樓層鄰之-")
_BASEMENT_LETTER = re.compile(r"B(\d+)F?(?![A-Z])")
_FLOOR_LETTER = re.compile(r"(\d+)F(?![A-Z])")
_DASH_ZHI = re.compile(r"(?<=[\d號樓層室])-(?=\d)")
_NOTE = re.compile(r"\(([^()]*)\)")
# A space or comma between two numbers separates them (101 5樓, 101,5樓); elsewhere they are only removed.
_DIGIT_SPACE_DIGIT = re.compile(r"(?<=\d)[\s,，、]+(?=\d)")
# "/" marks a boundary between two numbers that would otherwise run together (101 5樓, 1號之1十樓).
_SEP = "/"


_ZIP = re.compile(r"^(\d{3}(?:\d{3}|\d{2})?)(?![\d段巷弄號樓層鄰之-])")
_DISTRICT = re.compile(r"^([^\d]{1,3}?[區鄉鎮市])")
_VILLAGE = re.compile(r"^([^\d]{1,4}?[里村])")
_NEIGHBORHOOD = re.compile(r"^(\d+)鄰")
_VILLAGE_NEIGHBORHOOD_ANYWHERE = re.compile(r"([^\d號樓巷弄段之路街-]{1,4}?[里村])?(\d+)鄰")
_NAME_START = re.compile(r"^[^\d]{2}")
_COUNTRY = re.compile(r"^(?:中華民國)?(?:臺灣省?)?")
_TAIL = re.compile(
    r"""
    (?:(?P<lane>\d+(?:之\d+)?)巷)?
    (?:(?P<alley>\d+(?:之\d+)?)弄)?
    (?:
      (?P<prefix>[附臨])?(?P<number>\d+)(?:之(?P<sub>\d+))?(?:號|/)?
      (?:之(?P<suffix>\d+))?/?
      (?:(?P<basement>地下室?)?(?P<floor>\d+)(?P<unit>[樓層])|地下(?P<cellar>[室層樓]))?
      (?:之(?P<floor_sub>\d+))?
      號?
    )?$""",
    re.X,
)
_ROAD = re.compile(r"^(?P<road>.+?(?:大道|路|街))(?:(?P<section>\d+)段)?(?P<area>.*)$")
_ROAD_NO_SUFFIX = re.compile(r"^(?P<road>.+?)(?P<section>\d+)段(?P<area>.*)$")
_CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]*$")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the parser could not understand: which component, the text, and why."""

    field: str
    text: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason} ({self.text!r})" if self.text else f"{self.field}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Address:
    """Components of one Taiwan address. Empty string / None mean "not given"."""

    zip_code: str = ""
    county: str = ""
    district: str = ""
    village: str = ""
    neighborhood: int | None = None
    road: str = ""  # road name without section: 光復路
    section: int | None = None  # 段
    area: str = ""  # 地區 name used instead of (or after) a road: 光明新村, 清大東院
    lane: str = ""  # 巷, digits, may carry 之: "298", "12之1"
    alley: str = ""  # 弄
    number_prefix: str = ""  # 附 / 臨
    number: int | None = None  # 號
    sub_number: int | None = None  # N之M號
    number_suffix: int | None = None  # N號之M (a different plate from N之M號)
    floor: int | None = None  # 樓; negative for basements (地下1樓 = -1)
    floor_unit: str = ""  # "" = 樓, "層" or "室" (地下室): registered as distinct plates
    floor_sub: int | None = None  # 樓之M
    note: str = ""  # parenthesised remark, e.g. 臨時建築

    @property
    def road_section(self) -> str:
        """Road and section as one 街路段 name: 光復路二段."""
        return self.road + (f"{int_to_cn(self.section)}段" if self.section else "")

    @property
    def place(self) -> str:
        """Road+section plus area: the part of the address before lane/number."""
        return self.road_section + self.area

    def number_part(self) -> str:
        """Number and unit part in canonical form: 101之1號3樓之2."""
        if self.number is None:
            return ""
        out = f"{self.number_prefix}{self.number}"
        if self.sub_number is not None:
            out += f"之{self.sub_number}"
        out += "號"
        if self.number_suffix is not None:
            out += f"之{self.number_suffix}"
        if self.floor is not None:
            if self.floor_unit == "室":
                out += "地下室"
            elif self.floor > 0 and self.number_suffix is not None:
                # 1號之1 then floor 10: digits would run together (1號之110樓), so the floor is written
                # in Chinese numerals, as the registry does (9號之9二樓).
                out += f"{int_to_cn(self.floor)}{self.floor_unit or '樓'}"
            else:
                unit = self.floor_unit or "樓"
                out += f"{self.floor}{unit}" if self.floor > 0 else f"地下{-self.floor}{unit}"
            if self.floor_sub is not None:
                out += f"之{self.floor_sub}"
        return out

    def street(self) -> str:
        """Canonical street address (no county/district/village): 光復路二段298巷7弄13號4樓."""
        out = self.place
        if self.lane:
            out += f"{self.lane}巷"
        if self.alley:
            out += f"{self.alley}弄"
        return out + self.number_part()

    def base(self) -> Address:
        """The entrance plate this unit belongs to (floor and floor sub-number dropped)."""
        return replace(self, floor=None, floor_unit="", floor_sub=None)

    def readings(self) -> list[Address]:
        """This reading, then others of the same text: 竹村七路 may be a road rather than village 竹村 + road 七路
        (likewise 園區一路 rather than district 園區). The caller picks the one whose road exists."""
        out = [self]
        if self.village and self.road and self.neighborhood is None:  # a 鄰 after it makes 竹村 a real village
            out.append(replace(self, road=self.village + self.road, village=""))
        if self.district and not self.county and self.road:
            out.append(replace(self, road=self.district + self.village + self.road, district="", village=""))
        return out

    def render(self, *, with_village: bool = False) -> str:
        """Full canonical address: 新竹市東區[光復里12鄰]光復路二段101號."""
        out = self.county + self.district
        if with_village:
            out += self.village
            if self.neighborhood is not None:
                out += f"{self.neighborhood}鄰"
        return out + self.street()


@dataclass(frozen=True, slots=True)
class ParseResult:
    """Outcome of ``parse``: the components read (None if nothing usable) and the problems found."""

    address: Address | None
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.address is not None and not self.problems


def normalize_text(text: str) -> tuple[str, str]:
    """Normalise free text for parsing; returns (normalised text, parenthesised note).

    Full-width → half-width (NFKC), 台→臺 and other variants, dash forms → '-', Chinese numerals before
    units → digits, 5F → 5樓, B1 → 地下1樓, '-' between numbers → 之, spaces and punctuation removed.
    Each step is skipped when its trigger characters are absent (the importer parses every row).
    """
    s = text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
    s = s.translate(CHARACTER_MAP)
    notes: list[str] = []
    if "(" in s:
        notes = _NOTE.findall(s)
        s = _NOTE.sub("", s)
    s = s.strip()
    if _LETTER_SPACED.fullmatch(s):
        s = re.sub(r"\s+", "", s)  # 新 竹 市 東 區 …: every character spaced out, spaces carry no meaning
    if _SPACE_OR_PUNCTUATION.search(s):
        s = _DIGIT_SPACE_DIGIT.sub(_SEP, s)
        s = _SPACE_OR_PUNCTUATION.sub("", s)
    if _ASCII_LETTER.search(s):
        s = s.upper()
        s = _BASEMENT_LETTER.sub(r"地下\1樓", s)
        s = _FLOOR_LETTER.sub(r"\1樓", s)
    s = _CN_NUMERAL.sub(_numeral_in_context, s)
    if "-" in s:
        s = _DASH_ZHI.sub("之", s)
    return s, "".join(n.strip() for n in notes)


def _numeral_in_context(m: re.Match[str]) -> str:
    """A Chinese numeral is a number before a unit (二段, 十七樓) or after 之; elsewhere (三民路) a name."""
    s, start, end = m.string, m.start(), m.end()
    after = s[end] if end < len(s) else ""
    before = s[start - 1] if start else ""
    if after and after not in _UNITS and before != "之":
        return m.group(0)
    value = _cn(m.group(0).translate(_FINANCIAL))
    # 1號之1十樓: a floor right after digits gets a separator so the numbers do not run together.
    return (_SEP + value) if before.isdigit() and after in ("樓", "層") else value


@functools.lru_cache(maxsize=4096)  # a few hundred distinct numerals in a whole district's file
def _cn(numeral: str) -> str:
    try:
        return str(cn_to_int(numeral))
    except ValueError:
        return numeral  # left as text; the parser reports it where it lands


def _take(pattern: re.Pattern[str], s: str) -> tuple[str, str]:
    m = pattern.match(s)
    return (m.group(1), s[m.end() :]) if m else ("", s)


def parse(text: str) -> ParseResult:
    """Parse one address in any common written form. See the module docstring for the canonical form."""
    if not isinstance(text, str) or not text.strip():
        return ParseResult(None, (Problem("address", "", "empty"),))
    if len(text) > MAX_INPUT_LENGTH:
        return ParseResult(None, (Problem("address", text[:20] + "…", f"longer than {MAX_INPUT_LENGTH} characters"),))
    if _BINARY.search(text):
        return ParseResult(None, (Problem("address", "", "contains control or binary characters"),))
    s, note = normalize_text(text)
    problems: list[Problem] = []

    zip_code, s = _take(_ZIP, s)
    s = _COUNTRY.sub("", s, count=1)
    county = s[:3] if s[:3] in _COUNTY_SET else ""
    s = s[len(county) :]
    district = ""
    m = _DISTRICT.match(s)
    if m and (county or m.group(1).endswith("區")):
        district, s = m.group(1), s[m.end() :]

    village, neighborhood, s = _village_and_neighborhood(s)
    tail = _TAIL.search(s)
    head, t = s[: tail.start()], tail  # _TAIL always matches (every group is optional)
    if t.group("number") is None:
        # No number: the digits we saw belong to lane/alley only, or nothing numeric was given.
        problems.append(Problem("number", "", "missing house number (號)"))

    road, section, area = _split_place(head, problems)
    floor, floor_unit = None, ""
    if t.group("floor") is not None:
        floor = int(t.group("floor")) * (-1 if t.group("basement") else 1)
        floor_unit = "層" if t.group("unit") == "層" else ""
        if floor == 0:
            problems.append(Problem("floor", t.group(0), "floor 0 does not exist"))
    elif t.group("cellar"):
        # 地下室 and 地下層/地下樓 without a number: the first basement level.
        floor, floor_unit = -1, {"室": "室", "層": "層", "樓": ""}[t.group("cellar")]
    address = Address(
        zip_code=zip_code,
        county=county,
        district=district,
        village=village,
        neighborhood=neighborhood,
        road=road,
        section=section,
        area=area,
        lane=t.group("lane") or "",
        alley=t.group("alley") or "",
        number_prefix=t.group("prefix") or "",
        number=_int(t.group("number")),
        sub_number=_int(t.group("sub")),
        number_suffix=_int(t.group("suffix")),
        floor=floor,
        floor_unit=floor_unit,
        floor_sub=_int(t.group("floor_sub")) if floor is not None else None,
        note=note,
    )
    if t.group("floor_sub") and floor is None:
        problems.append(Problem("floor", t.group(0), "之 after the number could not be placed"))
    for name in ("number", "sub_number", "number_suffix"):
        value = getattr(address, name)
        if value == 0:
            problems.append(Problem(name, t.group(0), "number 0 does not exist"))
    out_of_range = _out_of_range(address)
    if out_of_range is not None:
        # Nothing of such a text is looked up: its components cannot be written canonically or stored.
        return ParseResult(None, (out_of_range,))
    return ParseResult(address, tuple(problems))


def _out_of_range(address: Address) -> Problem | None:
    """The first numbered component outside ``RANGES`` (0 is reported separately, as "does not exist")."""
    for name, (low, high) in RANGES.items():
        value = getattr(address, name)
        if name in ("lane", "alley"):
            value = max((int(part) for part in value.split("之")), default=None) if value else None
        if value is not None and value != 0 and not low <= value <= high:
            return Problem(name, "", f"{value} is out of range ({low}–{high})")
    return None


def _village_and_neighborhood(s: str) -> tuple[str, int | None, str]:
    """Take 村里 and 鄰 from the front, or 村里+鄰 from anywhere (光復路…101號光復里12鄰)."""
    village, rest = _take(_VILLAGE, s)
    # A village candidate is only real if a 鄰 or a name of 2+ characters follows (新里路 is a road).
    if village and not (_NEIGHBORHOOD.match(rest) or _NAME_START.match(rest)):
        village, rest = "", s
    hood_text, rest = _take(_NEIGHBORHOOD, rest)
    if not hood_text:
        m = _VILLAGE_NEIGHBORHOOD_ANYWHERE.search(rest)
        if m and m.start() > 0:
            village = village or (m.group(1) or "")
            hood_text = m.group(2)
            rest = rest[: m.start()] + rest[m.end() :]
    return village, (int(hood_text) if hood_text else None), rest


def _split_place(head: str, problems: list[Problem]) -> tuple[str, int | None, str]:
    """Split the text before the lane/number into road name, section and area name."""
    if not head:
        problems.append(Problem("road", "", "missing road or area name"))
        return "", None, ""
    m = _ROAD.match(head) or _ROAD_NO_SUFFIX.match(head)
    if m:
        road, section, area = m.group("road"), _int(m.group("section")), m.group("area")
    else:
        road, section, area = "", None, head
    bad = sorted({ch for ch in head if ch in UNREADABLE})
    if bad:
        problems.append(Problem("road", head, f"unreadable character {''.join(bad)}"))
    elif not _CJK.match(road + area):
        problems.append(Problem("road", head, "unexpected characters in road or area name"))
    if section == 0:
        problems.append(Problem("section", head, "section 0 does not exist"))
    return road, section, area


def _int(value: str | None) -> int | None:
    return int(value) if value else None
