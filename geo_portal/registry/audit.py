"""The supervisor's view of the access log: flags for unusual reading, and a person's "who read my data" list.

Reads of the log only (user names, times, purposes, fields and pages; never a name or national ID), computed in
the database: bursts (one user reading many distinct persons within a short window, counted with a window
function over the log's time index) and reads outside office hours (local time, Monday–Friday 08:00–18:00 by
default). ``log_entries`` pages through the log with filters. ``person_report`` is the per-person report of who
read a person's data and why, for the citizen who asks: it names the person, so it is itself a logged read.

Who sees these: the permission ``registry.audit_access_log`` (the administrator role; a registrar who reads
personal data does not audit its own reading). The supervisor's pages (``web/audit.py``) check it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.registry import crypto, identity, national_id, sql
from geo_portal.registry.access import BIRTH_DATE, NAME, NATIONAL_ID, Access, log_reads
from geo_portal.registry.errors import AccessDenied, FieldError, RegistryRefused
from geo_portal.registry.models import AccessLog

AUDIT = "registry.audit_access_log"
REPORT_PURPOSES = (AccessLog.Purpose.CITIZEN, AccessLog.Purpose.AUDIT)

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


def may_audit(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(AUDIT))


def _require_audit(user) -> None:
    if not may_audit(user):
        raise AccessDenied(_("%(user)s may not read the access log.") % {"user": user.get_username() or "anonymous"})


def log_entries(
    *, user, start: dt.datetime, end: dt.datetime, username: str = "", person_id: int | None = None
) -> QuerySet[AccessLog]:
    """The log's rows in ``[start, end)``, newest first, optionally of one user or one person (no names: ids)."""
    _require_audit(user)
    rows = AccessLog.objects.filter(at__gte=start, at__lt=end)
    if username:
        rows = rows.filter(username=username)
    if person_id is not None:
        rows = rows.filter(person_id=person_id)
    return rows.order_by("-at", "-id")


@dataclass(frozen=True)
class PersonReport:
    """Who read one person's data: the person as the report names them, and every read, newest first."""

    person_id: int
    name: str
    masked_id: str
    birth_date: dt.date
    synthetic: bool
    reads: tuple[AccessLog, ...]
    made_at: dt.datetime


@transaction.atomic
def person_report(*, national_id_text: str, access: Access) -> PersonReport | None:
    """The report for the person holding this national ID (exact, through the keyed hash), or None. The lookup is
    logged as a read of that person (name, birth date, national ID) with the purpose given — the person's own
    request or an audit — in the same transaction; a miss is logged too. The reads listed are those before it."""
    _require_audit(access.user)
    errors = []
    if access.purpose not in REPORT_PURPOSES:
        errors.append(FieldError("purpose", _("a report of reads is made at the person's request or for an audit")))
    try:
        value = national_id.parse(national_id_text).value
    except national_id.InvalidNationalId as exc:
        errors.append(FieldError("national_id", identity.invalid_reason(exc)))
    if errors:
        raise RegistryRefused(errors)
    access = replace(access, request_id=access.request_id or uuid.uuid4().hex, note=access.note.strip()[:200])
    with connection.cursor() as cur:
        cur.execute(sql.PERSON_BY_HASH, {"hashes": crypto.lookup_hashes(value)})
        row = cur.fetchone()
    fields = (NATIONAL_ID, NAME, BIRTH_DATE)
    if row is None:
        log_reads(access, selector="person_report", person_ids=[None], fields=(NATIONAL_ID,), note="no match")
        return None
    reads = tuple(reads_of_person(row[0]))
    log_reads(access, selector="person_report", person_ids=[row[0]], fields=fields)
    return PersonReport(
        person_id=row[0],
        name=row[1],
        masked_id=national_id.mask(value),
        birth_date=row[3],
        synthetic=row[5],
        reads=reads,
        made_at=timezone.now(),
    )
