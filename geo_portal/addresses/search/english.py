"""Reading and writing English addresses in the MOI format: "5F-2, No. 101-1, Ln. 12, Sec. 2, Guangfu Rd., East Dist.,
Hsinchu City 300".

Pure Python. ``parse_english(text)`` returns the components and the English road name; the geocoder then
finds the road by its English name (``Road.name_en``) and looks the plate up like any Chinese address.
"No. 101-1" is read as 101之1號, the MOI's usual English for it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_ROAD_TYPES = r"(?:Rd|St|Blvd|Ave|Road|Street|Boulevard|Avenue)\.?"
_PATTERN = re.compile(
    rf"""^\s*
    (?:(?P<basement>B)(?P<bfloor>\d+)F?|(?P<floor>\d+)F)?(?:-(?P<floor_sub>\d+))?\s*,?\s*
    No\.?\s*(?P<number>\d+)(?:-(?P<sub>\d+))?\s*,?\s*
    (?:(?:Aly\.?|Alley)\s*(?P<alley>\d+)\s*,?\s*)?
    (?:(?:Ln\.?|Lane)\s*(?P<lane>\d+)\s*,?\s*)?
    (?:(?:Sec\.?|Section)\s*(?P<section>\d+)\s*,?\s*)?
    (?P<road>[A-Za-z][A-Za-z0-9 .'-]*?\s{_ROAD_TYPES})
    (?:\s*,.*)?$""",
    re.X | re.I,
)
_NORMALISE_TYPE = {
    "road": "Rd.",
    "rd": "Rd.",
    "street": "St.",
    "st": "St.",
    "boulevard": "Blvd.",
    "blvd": "Blvd.",
    "avenue": "Ave.",
    "ave": "Ave.",
}


@dataclass(frozen=True)
class EnglishAddress:
    road_en: str  # "Guangfu Rd." (without section)
    section: int | None
    lane: str
    alley: str
    number: int
    sub_number: int | None
    floor: int | None
    floor_sub: int | None

    @property
    def road_name_en(self) -> str:
        """As ``Road.name_en`` stores it: "Sec. 2, Guangfu Rd."."""
        return f"Sec. {self.section}, {self.road_en}" if self.section else self.road_en


def looks_english(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(ch.isascii() for ch in letters) and bool(re.search(r"\bNo\b", text, re.I))


def parse_english(text: str) -> EnglishAddress | None:
    m = _PATTERN.match(unicodedata.normalize("NFKC", text))
    if not m:
        return None
    words = m.group("road").split()
    kind = _NORMALISE_TYPE[words[-1].rstrip(".").lower()]
    road_en = " ".join(w.capitalize() if w.islower() else w for w in words[:-1]) + " " + kind
    floor = None
    if m.group("floor"):
        floor = int(m.group("floor"))
    elif m.group("bfloor"):
        floor = -int(m.group("bfloor"))
    return EnglishAddress(
        road_en=road_en,
        section=int(m.group("section")) if m.group("section") else None,
        lane=m.group("lane") or "",
        alley=m.group("alley") or "",
        number=int(m.group("number")),
        sub_number=int(m.group("sub")) if m.group("sub") else None,
        floor=floor,
        floor_sub=int(m.group("floor_sub")) if m.group("floor_sub") and floor is not None else None,
    )


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
