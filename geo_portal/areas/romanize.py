"""Fallback English road names in the MOI style, from Hanyu Pinyin, for roads missing from the official table.

Pure function ``road_english("工業東一路") == "Gongye E. 1st Rd."``. Used by ``services.import_road_names``,
which records such names as ``pinyin`` so nobody mistakes them for official translations (polyphonic
characters may be read wrongly).
"""

from __future__ import annotations

from geo_portal.core.numerals import NUMERAL_CHARS, cn_to_int

SUFFIXES = (("大道", "Blvd."), ("路", "Rd."), ("街", "St."), ("巷", "Ln."))
DIRECTIONS = {"東": "E.", "西": "W.", "南": "S.", "北": "N."}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _pinyin(text: str) -> str:
    # Imported when first needed: pypinyin loads its phrase dictionary (~0.35 s) on import, which every process
    # that imports a module using this one (the job worker's task modules, the URLconf) would pay at start.
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(text, style=Style.NORMAL, v_to_u=False)
    word = "".join(s.replace("v", "yu") for s in syllables)
    return word[:1].upper() + word[1:]


def road_english(base_name: str) -> str:
    """MOI-style English for a road name without section (section is added by the caller)."""
    name, kind = base_name, ""
    for zh, en in SUFFIXES:
        if name.endswith(zh) and len(name) > len(zh):
            name, kind = name[: -len(zh)], en
            break
    ordinal = ""
    digits = len(name) - len(name.rstrip(NUMERAL_CHARS))
    if digits and digits < len(name):
        try:
            ordinal = _ordinal(cn_to_int(name[-digits:]))
            name = name[:-digits]
        except ValueError:
            ordinal = ""
    direction = ""
    if len(name) > 2 and name[-1] in DIRECTIONS:
        direction, name = DIRECTIONS[name[-1]], name[:-1]
    return " ".join(part for part in (_pinyin(name), direction, ordinal, kind) if part)
