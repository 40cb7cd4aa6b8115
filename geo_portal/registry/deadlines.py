"""The legal deadlines for declaring a registration (戶籍法 第48條): a birth within 60 days, every other
registration within 30 days of the event. Used by the event services (the ``late`` flag) and the review pages."""

from __future__ import annotations

import datetime as dt

BIRTH_DAYS = 60
DEFAULT_DAYS = 30
DAYS: dict[str, int] = {"birth": BIRTH_DAYS}


def deadline_days(kind: str) -> int:
    return DAYS.get(kind, DEFAULT_DAYS)


def days_late(kind: str, effective_date: dt.date, declared_on: dt.date) -> int:
    """Days past the deadline (0 when on time)."""
    return max(0, (declared_on - effective_date).days - deadline_days(kind))


def is_late(kind: str, effective_date: dt.date, declared_on: dt.date) -> bool:
    return days_late(kind, effective_date, declared_on) > 0
