"""The supervisor's view of the access log: flags for unusual reading, and a person's "who read my data" list.

Reads of the log only (user names, times, purposes, fields and pages; never a name or national ID), computed in
the database: bursts (one user reading many distinct persons within a short window, counted with a window
function over the log's time index) and reads outside office hours (local time, Monday–Friday 08:00–18:00 by
default). The pages that show these (supervisor view, printable per-person report) are not built yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from geo_portal.registry.models import AccessLog

BURST_PERSONS = 50  # distinct persons read by one user ...
BURST_WINDOW = dt.timedelta(minutes=10)  # ... within this window is a burst
OFFICE_HOURS = (8, 18)  # local hours [from, to), Monday to Friday


@dataclass(frozen=True)
class Flag:
    kind: str  # "burst" or "off_hours"
    username: str
    at: dt.datetime  # the burst's first read, or the off-hours read
    persons: int  # distinct persons in the burst, or read at that moment


# For each read, how many distinct persons its user read in the window starting there (the time index bounds it).
BURSTS = """
SELECT username, at, persons FROM (
    SELECT l.username, l.user_id, l.at,
           (SELECT count(DISTINCT m.person_id) FROM registry_accesslog m
             WHERE m.user_id = l.user_id AND m.at >= l.at AND m.at < l.at + %(window)s
               AND m.person_id IS NOT NULL) AS persons
    FROM registry_accesslog l
    WHERE l.at >= %(start)s AND l.at < %(end)s AND l.person_id IS NOT NULL
) s
WHERE persons >= %(threshold)s
ORDER BY at, username
"""

OFF_HOURS = """
SELECT username, at, count(DISTINCT person_id) FROM registry_accesslog
WHERE at >= %(start)s AND at < %(end)s AND person_id IS NOT NULL
  AND (extract(isodow FROM at AT TIME ZONE %(tz)s) > 5
       OR extract(hour FROM at AT TIME ZONE %(tz)s) < %(open)s
       OR extract(hour FROM at AT TIME ZONE %(tz)s) >= %(close)s)
GROUP BY username, at
ORDER BY at, username
"""


def unusual_reading(
    *,
    start: dt.datetime,
    end: dt.datetime,
    burst_persons: int = BURST_PERSONS,
    burst_window: dt.timedelta = BURST_WINDOW,
    office_hours: tuple[int, int] = OFFICE_HOURS,
) -> list[Flag]:
    """Flags for reads in ``[start, end)``: bursts first, then off-hours reads, each in time order."""
    params = {
        "start": start,
        "end": end,
        "window": burst_window,
        "threshold": burst_persons,
        "tz": timezone.get_current_timezone_name(),
        "open": office_hours[0],
        "close": office_hours[1],
    }
    with connection.cursor() as cur:
        cur.execute(BURSTS, params)
        flags: list[Flag] = []
        last: dict[str, dt.datetime] = {}
        for user, at, n in cur.fetchall():
            # One flag per burst: windows starting inside a flagged one are the same burst.
            if user in last and at < last[user] + burst_window:
                continue
            last[user] = at
            flags.append(Flag("burst", user, at, n))
        cur.execute(OFF_HOURS, params)
        flags += [Flag("off_hours", user, at, n) for user, at, n in cur.fetchall()]
    return flags


def reads_of_person(person_id: int) -> list[AccessLog]:
    """Every logged read of one person, newest first: who, when, why, which fields, on which page."""
    return list(AccessLog.objects.filter(person_id=person_id).order_by("-at", "-id"))
