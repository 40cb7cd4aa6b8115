"""Simplified, Japanese (shinjitai) and other variant characters → the traditional characters of the address data.

Pure Python (no Django); used by the geocoder before parsing. People type 号, 楼, 复, 区, 関, 鉄… for 號, 樓, 復, 區, 關,
鐵. A whole-text simplified→traditional conversion is wrong for addresses (OpenCC's s2t turns the village word 里 into
裏, and 干, 后, 松 have several traditional forms), so the mapping is built the other way round: each character the
address data actually uses (road, village and district names, the address words) is converted to its simplified,
Japanese, Hong Kong and older traditional forms with OpenCC (``t2s``, ``t2jp``, ``t2hk``, ``tw2t``), and those forms
map back. Only characters that stand for exactly one
known character are mapped, so nothing the data uses is ever changed. OpenCC (the maintained conversion library with
phrase and variant dictionaries) is used instead of a hand table, which would cover a few dozen characters at best.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import opencc

# The words of an address itself, whatever the names: units, administrative words, numerals, 臺灣.
ADDRESS_WORDS = "臺灣省中華民國縣市鄉鎮區村里鄰路街大道段巷弄衖號樓層之附臨地下室一二三四五六七八九十百千零兩東西南北"


@functools.cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


# Simplified (号), Japanese shinjitai (関), Hong Kong (温 for 溫, 衞 for 衛) and older traditional forms (峯 for 峰, 羣
# for 群) of a character as Taiwan writes it.
_CONFIGS = ("t2s.json", "t2jp.json", "t2hk.json", "tw2t.json")


def _forms(char: str) -> set[str]:
    return {_converter(config).convert(char) for config in _CONFIGS} - {char}


@functools.lru_cache(maxsize=8)
def variant_table(known: frozenset[str], *, loose: bool = False) -> dict[int, str]:
    """``str.translate`` table: simplified or Japanese form → the known traditional character (unambiguous only).

    Strict (default): a form that is itself a known character is kept (庄 of the village 大庄里 stays). Loose: it is
    mapped as well (新庄街 → 新莊街), for a second reading when the strict one names no road.
    """
    back: dict[str, set[str]] = {}
    for char in known | set(ADDRESS_WORDS):
        for form in _forms(char):
            if len(form) == 1:
                back.setdefault(form, set()).add(char)
    table = {}
    for form, chars in back.items():
        if len(chars) == 1 and form not in ADDRESS_WORDS and (loose or form not in known):
            table[ord(form)] = next(iter(chars))
    table[ord("台")] = "臺"  # 臺 is the official form; OpenCC keeps both as traditional
    return table


def known_characters(names: Iterable[str]) -> frozenset[str]:
    """The CJK characters of the given names (road, village, district names)."""
    return frozenset(ch for name in names for ch in name if "\u3400" <= ch <= "\u9fff")


def to_traditional(text: str, table: dict[int, str]) -> str:
    """``text`` with simplified/Japanese forms of known characters replaced (a no-op when none occurs)."""
    return text.translate(table)
