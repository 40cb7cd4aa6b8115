"""The supervisors' view of home visits: aggregates only, never a person. Per village (of the request's plate) and
month: requests received, visits made, the median days from request to visit and the share of visits made within
the target time for the request's urgency. A cell counting fewer than ``MIN_PUBLISHED_HOUSEHOLDS`` requests or
visits is withheld (the small-numbers rule of ``core.privacy``), and so are the time and share figures built on
it; the month's totals add up only the cells shown, so a total never gives a withheld cell away. Called by the
statistics page and tests.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models.functions import TruncMonth
from django.utils import timezone

from geo_portal.core.privacy import MIN_PUBLISHED_HOUSEHOLDS
from geo_portal.homevisits.models import VisitRequest

# Days from request to visit that count as served in time, by urgency.
TARGET_DAYS = {VisitRequest.Urgency.URGENT: 3, VisitRequest.Urgency.SOON: 7, VisitRequest.Urgency.ROUTINE: 14}
MIN_COUNT = MIN_PUBLISHED_HOUSEHOLDS


@dataclass(frozen=True)
class Cell:
    month: dt.date
    village: str
    requests: int | None  # None: withheld
    visits: int | None
    median_days: float | None
    within_target: float | None  # share 0–1 of the visits


@dataclass(frozen=True)
class MonthTotal:
    month: dt.date
    requests: int
    visits: int
    withheld_cells: int


def _shown(n: int) -> int | None:
    return n if n >= MIN_COUNT else None


def village_months(*, since: dt.date | None = None) -> tuple[list[Cell], list[MonthTotal]]:
    """Cells by month (newest first) and village name, and each month's totals over the cells shown."""
    since = since or (timezone.localdate().replace(day=1) - dt.timedelta(days=365)).replace(day=1)
    received: dict[tuple[dt.date, str], int] = {}
    for row in (
        VisitRequest.objects.filter(requested_on__gte=since)
        .annotate(month=TruncMonth("requested_on"))
        .values_list("month", "plate__village__name", "pk")
    ):
        key = (row[0], row[1] or "—")
        received[key] = received.get(key, 0) + 1
    waits: dict[tuple[dt.date, str], list[tuple[int, bool]]] = {}
    for visited_at, requested_on, urgency, village in VisitRequest.objects.filter(
        status=VisitRequest.Status.VISITED, visited_at__isnull=False, visited_at__date__gte=since
    ).values_list("visited_at", "requested_on", "urgency", "plate__village__name"):
        day = timezone.localtime(visited_at).date()
        days = (day - requested_on).days
        waits.setdefault((day.replace(day=1), village or "—"), []).append((days, days <= TARGET_DAYS[urgency]))
    cells, totals = [], {}
    for key in sorted(set(received) | set(waits), key=lambda k: (-k[0].toordinal(), k[1])):
        month, village = key
        n_requests, visits = received.get(key, 0), waits.get(key, [])
        requests, made = _shown(n_requests), _shown(len(visits))
        cell = Cell(
            month=month,
            village=village,
            requests=requests,
            visits=made,
            median_days=statistics.median(d for d, _ in visits) if made else None,
            within_target=sum(ok for _, ok in visits) / len(visits) if made else None,
        )
        cells.append(cell)
        total = totals.setdefault(month, [0, 0, 0])
        total[0] += requests or 0
        total[1] += made or 0
        total[2] += (n_requests and requests is None) + (len(visits) > 0 and made is None)
    return cells, [MonthTotal(m, *totals[m]) for m in sorted(totals, reverse=True)]
