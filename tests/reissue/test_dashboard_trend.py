"""The dashboard's weekly trend reads only the cases still open or ended since its first week: a case that ended
before changes no week, one that ended inside is counted where it opened and ended and open in between."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from geo_portal.reissue import dashboard
from geo_portal.reissue.models import Case, CaseStep
from geo_portal.reissue.services import (
    PlateRequest,
    case_close,
    case_collected,
    case_open,
    fee_assess,
    order_create,
    order_delivered,
)

pytestmark = pytest.mark.django_db


def closed_case(street, staff, number: int, days: list[dt.date]) -> Case:
    """An office-initiative case walked to closed, its seven steps moved to ``days`` (10:00 local each)."""
    clerk = staff["clerk"]
    case = case_open(source="office_initiative", plates=[PlateRequest(street["plates"][number].pk)], reason="old_style",
                     actor=clerk)  # fmt: skip
    case = fee_assess(case_id=case.pk, version=1, actor=clerk)
    order = order_create(cases={case.pk: 2}, actor=clerk)
    order_delivered(order_id=order.pk, delivered_on=timezone.localdate(), actor=clerk)
    case = case_collected(case_id=case.pk, version=4, actor=clerk, collected_on=timezone.localdate())
    case_close(case_id=case.pk, version=5, actor=clerk)
    steps = list(CaseStep.objects.filter(case=case).order_by("at", "id"))
    assert len(steps) == len(days) == 6
    for step, day in zip(steps, days, strict=True):
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
        CaseStep.objects.filter(pk=step.pk).update(
            at=at, due_on=None if step.to_state == "closed" else day + dt.timedelta(30)
        )
    Case.objects.filter(pk=case.pk).update(state_since=timezone.make_aware(dt.datetime.combine(days[-1], dt.time(10, 0))))
    return case


def test_the_trend_counts_cases_that_ended_in_its_weeks_and_ignores_those_ended_before(street, staff):
    today = timezone.localdate()
    last = today + dt.timedelta(days=6 - today.weekday())
    ends = [last - dt.timedelta(weeks=n) for n in (3, 2, 1)] + [today]
    long_ago = ends[0] - dt.timedelta(weeks=6)
    closed_case(street, staff, 3, [long_ago + dt.timedelta(days=i) for i in range(6)])
    # Opened in the first week shown (its Sunday minus 2 days), ended in the third.
    inside = [ends[0] - dt.timedelta(days=2)] + [ends[2] - dt.timedelta(days=2)] * 5
    closed_case(street, staff, 5, inside)
    weeks = dashboard.trend(weeks=4, today=today)
    assert [(w.week_end, w.opened, w.closed, w.open_at_end, w.overdue_at_end) for w in weeks] == [
        (ends[0], 1, 0, 1, 0),
        (ends[1], 0, 0, 1, 0),
        (ends[2], 0, 1, 0, 0),
        (ends[3], 0, 0, 0, 0),
    ]
