"""Chinese numerals ↔ integers, as they appear in Taiwan addresses and road names.

Used by the address parser (``addresses.parsing``) and road romanisation (``areas.romanize``) to read
一百零一號 / 十七樓 / 二段 and to write the canonical section form (段 keeps Chinese numerals, 號 and 樓 use
digits). Pure functions, no Django.
"""

from __future__ import annotations

import math
import re

DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
# 廿 (20) and 卅 (30) still appear on old plates and forms.
SHORTHANDS = {"廿": 20, "卅": 30}
NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS) + "".join(SHORTHANDS)

_CN_DIGITS = "零一二三四五六七八九"
# A decimal as people and programs write it: 120.99, -0.5, .5, 1e3. Not Python's own extras, which ``float()``
# and ``int()`` accept: digit separators (1_20.99 would read as 120.99), nan, inf, non-ASCII digits.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")


def cn_to_int(text: str) -> int:
    """Read a Chinese numeral (一百零一, 十七, 二十, 廿一, or digit-by-digit 一〇五) as an int.

    Raises ValueError when the text is not a well-formed numeral.
    """
    if not text:
        raise ValueError("empty numeral")
    if any(ch not in NUMERAL_CHARS for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    if not any(ch in UNITS or ch in SHORTHANDS for ch in text):
        # Digit-by-digit form (一〇五 = 105), used on some forms and plates.
        return int("".join(str(DIGITS[ch]) for ch in text))
    total = 0
    pending: int | None = None
    last_unit = 10_000
    for ch in text:
        if ch in DIGITS:
            if pending is not None and pending != 0:
                raise ValueError(f"two digits without a unit in {text!r}")
            pending = DIGITS[ch]
        elif ch in SHORTHANDS:
            if pending:
                raise ValueError(f"digit before {ch} in {text!r}")
            total += SHORTHANDS[ch]
            pending = None
            last_unit = 10
        else:
            unit = UNITS[ch]
            if unit >= last_unit:
                raise ValueError(f"units out of order in {text!r}")
            total += (pending if pending else 1) * unit
            pending = None
            last_unit = unit
    if pending:
        total += pending
    return total


def int_to_cn(value: int) -> str:
    """Write 1–9999 in Chinese numerals the way MOI writes sections (1→一, 10→十, 21→二十一, 105→一百零五)."""
    if not 0 < value < 10_000:
        raise ValueError(f"out of range for a Chinese numeral: {value}")
    parts: list[str] = []
    zero_pending = False
    for unit_value, unit_char in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = value // unit_value % 10
        if digit == 0:
            if parts:
                zero_pending = True
            continue
        if zero_pending:
            parts.append("零")
            zero_pending = False
        # 十七, not 一十七, when ten is the leading unit.
        if not (unit_char == "十" and digit == 1 and not parts):
            parts.append(_CN_DIGITS[digit])
        parts.append(unit_char)
    return "".join(parts)


def read_decimal(text: str | float | int) -> float:
    """A finite decimal number from text (surrounding spaces allowed); ValueError for anything else."""
    if isinstance(text, bool):
        raise ValueError("not a number")
    if isinstance(text, int | float):
        value = float(text)
    elif isinstance(text, str) and _DECIMAL.fullmatch(text.strip()):
        value = float(text.strip())
    else:
        raise ValueError(f"not a decimal number: {text!r}")
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


def read_integer(text: str | int) -> int:
    """A whole number from text of ASCII digits (surrounding spaces allowed); ValueError for anything else."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    if isinstance(text, str) and _INTEGER.fullmatch(text.strip()):
        return int(text.strip())
    raise ValueError(f"not a whole number: {text!r}")
