"""Dates as clerks type them: the Republic of China calendar (115/12/02, 115-12-2, 1151202, 民國115年12月2日,
民國一一五年十二月二日) or the Gregorian one (2026-12-02, 2026/12/2, 20261202), full-width digits too. A year of one
to three digits is an ROC year (民國 N = N + 1911), four digits a Gregorian year; a day-first date (02/12/2026) is
refused rather than guessed. Pure (no Django); called by ``forms``. Printing uses ``census.office.dates``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from geo_portal.core.numerals import NUMERAL_CHARS, cn_to_int

ROC_OFFSET = 1911
_NUMBER = rf"[0-9{NUMERAL_CHARS}]+"
_CHINESE = re.compile(rf"^(?:民國|中華民國)?({_NUMBER})年({_NUMBER})月({_NUMBER})日?$")
_SEPARATED = re.compile(r"^(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_COMPACT = re.compile(r"^(\d{7,8})$")


def _int(text: str) -> int:
    return int(text) if text.isdigit() else cn_to_int(text)


def _build(year: int, month: int, day: int, *, roc: bool, text: str) -> dt.date:
    if roc:
        if year < 1:
            raise ValueError(f"{text!r}: 民國 years start at 1")
        year += ROC_OFFSET
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{text!r} is not a date of the calendar (month {month}, day {day})") from None


def parse_date(text: str) -> dt.date:
    """The date ``text`` names; ValueError saying why when it names none (or names it ambiguously)."""
    raw = unicodedata.normalize("NFKC", text or "").strip().replace(" ", "")
    if not raw:
        raise ValueError("no date given")
    if match := _CHINESE.match(raw):
        year, month, day = (_int(part) for part in match.groups())
        # 民國 is explicit; a bare 115年 is an ROC year too, 2026年 a Gregorian one.
        roc = raw.startswith(("民國", "中華民國")) or year < 1000
        return _build(year, month, day, roc=roc, text=text)
    if match := _SEPARATED.match(raw):
        first, month, day = match.groups()
        return _build(int(first), int(month), int(day), roc=len(first) <= 3, text=text)
    if match := _COMPACT.match(raw):
        digits = match.group(1)
        if len(digits) == 7:  # 1151202: ROC year of three digits, month, day
            return _build(int(digits[:3]), int(digits[3:5]), int(digits[5:]), roc=True, text=text)
        return _build(int(digits[:4]), int(digits[4:6]), int(digits[6:]), roc=False, text=text)
    if re.match(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}$", raw):
        raise ValueError(f"{text!r}: write the year first (2026-12-02 or 115/12/02)")
    raise ValueError(f"{text!r} is not a date")
