"""Reads of the supervisors' dashboard (四(二)): open cases by step and by how long they have been in it, every
overdue case (oldest due first, with its last reminder), and the weekly trend of cases opened, closed, open and
overdue — the last two reconstructed from the steps' history (each step's span from its time to the next step's),
so the trend needs no snapshot table. Called by ``views.dashboard`` and tests; the bench times it on 100,000 cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import IntegerField, Max, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from geo_portal.reissue.models import Case, OverdueNotice
from geo_portal.reissue.states import FINAL, OPEN, PUBLIC_PATH, State

# Days in the current step: (first day, last day or None), as the dashboard's columns.
AGE_BUCKETS: list[tuple[int, int | None]] = [(0, 7), (8, 14), (15, 30), (31, 60), (61, None)]
STEP_ORDER = [s for s in (*PUBLIC_PATH[:-1], State.COLLECTED) if s in OPEN]


@dataclass(frozen=True)
class StepAges:
    state: str
    label: str
    counts: list[int]  # per AGE_BUCKETS
    total: int
    overdue: int


def _bucket_sql() -> str:
    parts = []
    for first, last in AGE_BUCKETS:
        condition = f"age >= {first}" + (f" AND age <= {last}" if last is not None else "")
        parts.append(f"count(*) FILTER (WHERE {condition})")
    return ", ".join(parts)


_STEP_AGES = f"""
SELECT state, {_bucket_sql()}, count(*), count(*) FILTER (WHERE due_on < %(today)s)
FROM (SELECT state, due_on, (%(today)s::date - (state_since AT TIME ZONE %(tz)s)::date) AS age
      FROM reissue_case WHERE state = ANY(%(open)s)) c
GROUP BY state
"""


def step_ages(*, today: dt.date | None = None) -> list[StepAges]:
    """Every open step (zero rows included) with its cases by days in the step, and how many are overdue."""
    day = today or timezone.localdate()
    with connection.cursor() as cur:
        cur.execute(_STEP_AGES, {"today": day, "open": sorted(OPEN), "tz": timezone.get_current_timezone_name()})
        found = {row[0]: row[1:] for row in cur.fetchall()}
    rows = []
    for state in STEP_ORDER:
        values = found.get(state, (0,) * (len(AGE_BUCKETS) + 2))
        counts, total, overdue = list(values[: len(AGE_BUCKETS)]), values[-2], values[-1]
        rows.append(StepAges(state, str(State(state).label), counts, total, overdue))
    return rows


def overdue_cases(*, today: dt.date | None = None) -> QuerySet[Case]:
    """Every open case past its step's due date, the longest overdue first, with its last reminder's date."""
    day = today or timezone.localdate()
    return (
        Case.objects.filter(state__in=OPEN, due_on__lt=day)
        .select_related("clerk")
        .annotate(
            days_overdue=RawSQL("%s::date - reissue_case.due_on", [day], output_field=IntegerField()),
            reminded_at=Max(
                "overdue_notices__done_at",
                filter=Q(overdue_notices__outcome=OverdueNotice.Outcome.SENT, overdue_notices__recipient="clerk"),
            ),
        )
        .order_by("due_on", "id")
    )


@dataclass(frozen=True)
class TrendWeek:
    week_end: dt.date  # the week's last day (a Sunday), or today for the current week
    opened: int
    closed: int
    open_at_end: int
    overdue_at_end: int


_TREND = """
WITH weeks AS (
    SELECT d::date AS week_end, LEAST(d::date, %(today)s::date) AS at_day
    FROM generate_series(%(first)s::date, %(last)s::date, interval '7 days') AS d
),
spans AS (
    SELECT s.case_id, s.to_state, (s.at AT TIME ZONE %(tz)s)::date AS since, s.due_on,
           (lead(s.at) OVER (PARTITION BY s.case_id ORDER BY s.at, s.id) AT TIME ZONE %(tz)s)::date AS until
    FROM reissue_casestep s
)
SELECT w.at_day,
       (SELECT count(*) FROM reissue_casestep s WHERE s.action = 'open'
          AND (s.at AT TIME ZONE %(tz)s)::date BETWEEN w.week_end - 6 AND w.at_day),
       (SELECT count(*) FROM reissue_casestep s WHERE s.to_state = ANY(%(final)s)
          AND (s.at AT TIME ZONE %(tz)s)::date BETWEEN w.week_end - 6 AND w.at_day),
       count(sp.case_id),
       count(sp.case_id) FILTER (WHERE sp.due_on < w.at_day)
FROM weeks w
LEFT JOIN spans sp ON sp.since <= w.at_day AND (sp.until IS NULL OR sp.until > w.at_day)
                  AND NOT sp.to_state = ANY(%(final)s)
GROUP BY w.week_end, w.at_day
ORDER BY w.week_end
"""


def trend(*, weeks: int = 12, today: dt.date | None = None) -> list[TrendWeek]:
    """The last ``weeks`` weeks (Monday–Sunday, the current one last): cases opened and ended in each week, and at
    its end (today for the current week) how many were open and how many of those overdue."""
    day = today or timezone.localdate()
    last = day + dt.timedelta(days=6 - day.weekday())
    first = last - dt.timedelta(weeks=weeks - 1)
    params = {
        "first": first,
        "last": last,
        "today": day,
        "final": sorted(FINAL),
        "tz": timezone.get_current_timezone_name(),
    }
    with connection.cursor() as cur:
        cur.execute(_TREND, params)
        rows = cur.fetchall()
    # The current week is counted as of today, not its (future) Sunday.
    return [TrendWeek(week_end=w, opened=o, closed=c, open_at_end=n, overdue_at_end=od) for w, o, c, n, od in rows]
