"""Dates as printed on census sheets: the Republic of China (民國) calendar in Chinese, the Gregorian calendar in
English. Pure functions (no Django); called by ``printing`` and tests.
"""

from __future__ import annotations

import datetime as dt

ROC_EPOCH = 1911  # 民國1年 = 1912
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def roc_date(day: dt.date) -> str:
    """民國115年12月2日 for 2026-12-02 (dates before 民國1年 are written 民國前N年, as the office does)."""
    year = day.year - ROC_EPOCH
    era = f"民國{year}年" if year >= 1 else f"民國前{1 - year}年"
    return f"{era}{day.month}月{day.day}日"


def english_date(day: dt.date) -> str:
    """2 December 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def roc_datetime(moment: dt.datetime) -> str:
    """民國115年12月2日 14:05 (the moment as given: pass local time)."""
    return f"{roc_date(moment.date())} {moment:%H:%M}"


def english_datetime(moment: dt.datetime) -> str:
    """2 December 2026, 14:05."""
    return f"{english_date(moment.date())}, {moment:%H:%M}"
