"""Reads of the supervisors' dashboard (四(二)): open cases by step and by how long they have been in it, every
overdue case (oldest due first, with its last reminder), and the weekly trend of cases opened, closed, open and
overdue — the last two reconstructed from the steps' history (each step's span from its time to the next step's),
so the trend needs no snapshot table. Called by ``views.dashboard`` and tests; the bench times it on 100,000 cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery
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


def _midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in the office's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _bucket_sql() -> str:
    # Days in the step ≥ first ⇔ entered before the midnight that starts (today − first + 1); compared on the
    # indexed timestamp itself, with no time-zone conversion per row.
    parts = []
    for i, (_first, last) in enumerate(AGE_BUCKETS):
        condition = f"state_since < %(before_{i})s" + (f" AND state_since >= %(from_{i})s" if last is not None else "")
        parts.append(f"count(*) FILTER (WHERE {condition})")
    return ", ".join(parts)


_STEP_AGES = f"""
SELECT state, {_bucket_sql()}, count(*), count(*) FILTER (WHERE due_on < %(today)s)
FROM reissue_case WHERE state = ANY(%(open)s)
GROUP BY state
"""


def step_ages(*, today: dt.date | None = None) -> list[StepAges]:
    """Every open step (zero rows included) with its cases by days in the step, and how many are overdue."""
    day = today or timezone.localdate()
    params: dict[str, object] = {"today": day, "open": sorted(OPEN)}
    for i, (first, last) in enumerate(AGE_BUCKETS):
        params[f"before_{i}"] = _midnight(day - dt.timedelta(days=first - 1))
        if last is not None:
            params[f"from_{i}"] = _midnight(day - dt.timedelta(days=last))
    with connection.cursor() as cur:
        cur.execute(_STEP_AGES, params)
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
            # A subquery per row shown (a page), not an aggregate over every overdue case's reminders.
            reminded_at=Subquery(
                OverdueNotice.objects.filter(case=OuterRef("pk"), outcome=OverdueNotice.Outcome.SENT, recipient="clerk")
                .order_by("-done_at")
                .values("done_at")[:1]
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


# Open and overdue counts at each week's end come from running sums of day-by-day changes: a case's span in a step
# adds one open case on the day it starts and removes it on the day the next step starts; it is overdue from the
# day after its due date (or its start, if later) until then. A join of every week with every span did the same in
# 0.6 s on 100,000 cases (1.3 million pairs); the running sums read each span once. Only the steps of cases still
# open or ended since the first week began are read (``relevant``): a case that ended before adds one open case and
# removes it again before any week shown, so it changes no count; on 100,000 cases over two years that is about a
# sixth of the steps (1.7 s → see README).
_TREND = """
WITH weeks AS (
    SELECT d::date AS week_end, LEAST(d::date, %(today)s::date) AS at_day
    FROM generate_series(%(first)s::date, %(last)s::date, interval '7 days') AS d
),
relevant AS (
    SELECT id FROM reissue_case WHERE NOT state = ANY(%(final)s) OR state_since >= %(since)s
),
steps AS MATERIALIZED (
    SELECT s.case_id, s.action, s.to_state, (s.at AT TIME ZONE %(tz)s)::date AS day, s.at, s.id, s.due_on
    FROM reissue_casestep s JOIN relevant r ON r.id = s.case_id
),
spans AS MATERIALIZED (
    SELECT * FROM (
        SELECT to_state, day AS since, due_on, lead(day) OVER (PARTITION BY case_id ORDER BY at, id) AS until
        FROM steps
    ) x
    WHERE NOT to_state = ANY(%(final)s)
),
late AS (
    SELECT GREATEST(since, due_on + 1) AS starts, until FROM spans
    WHERE due_on IS NOT NULL AND (until IS NULL OR GREATEST(since, due_on + 1) < until)
),
daily AS (
    SELECT day, sum(open) AS open, sum(overdue) AS overdue FROM (
        SELECT since AS day, 1 AS open, 0 AS overdue FROM spans
        UNION ALL SELECT until, -1, 0 FROM spans WHERE until IS NOT NULL
        UNION ALL SELECT starts, 0, 1 FROM late
        UNION ALL SELECT until, 0, -1 FROM late WHERE until IS NOT NULL
    ) d
    GROUP BY day
),
moves AS (
    SELECT (date_trunc('week', day) + interval '6 days')::date AS week_end,
           count(*) FILTER (WHERE action = 'open') AS opened,
           count(*) FILTER (WHERE to_state = ANY(%(final)s)) AS closed
    FROM steps WHERE day BETWEEN %(first)s::date - 6 AND %(today)s::date
    GROUP BY 1
)
SELECT w.at_day, coalesce(m.opened, 0), coalesce(m.closed, 0),
       (SELECT coalesce(sum(open), 0) FROM daily WHERE day <= w.at_day),
       (SELECT coalesce(sum(overdue), 0) FROM daily WHERE day <= w.at_day)
FROM weeks w LEFT JOIN moves m ON m.week_end = w.week_end
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
        "since": _midnight(first - dt.timedelta(days=6)),
    }
    with connection.cursor() as cur:
        cur.execute(_TREND, params)
        rows = cur.fetchall()
    # The current week is counted as of today, not its (future) Sunday.
    return [TrendWeek(week_end=w, opened=o, closed=c, open_at_end=n, overdue_at_end=od) for w, o, c, n, od in rows]
