"""Day plans: the round ordered from the office by straight-line distance, time windows and urgency honoured,
requests that cannot be served listed with the reason, re-planning that keeps the visits already made."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from geo_portal.homevisits.errors import HomeVisitRefused
from geo_portal.homevisits.models import PlanStop, VisitRequest
from geo_portal.homevisits.planning import plan_add_requests, plan_create, request_cancel
from geo_portal.homevisits.services import request_create
from geo_portal.offices.models import ServicePoint
from tests.homevisits.conftest import access


def ask(staff, number: int, **extra) -> VisitRequest:
    ann = staff["ann"]
    return request_create(
        actor=ann, access=access(ann), address=f"光復路二段{number}號", name=f"住戶{number}", purpose="other", **extra
    )


def order(plan) -> list[str]:
    stops = plan.stops.exclude(outcome="removed").select_related("request").order_by("position")
    return [s.request.name for s in stops]


def test_round_in_straight_line_order_with_its_length(office, staff):
    requests = [ask(staff, n) for n in (11, 3, 7)]
    plan = plan_create(
        actor=staff["ann"], day=timezone.localdate(), visitor=staff["ann"], request_ids=[r.pk for r in requests]
    )
    assert order(plan) == ["住戶3", "住戶7", "住戶11"]
    assert round(plan.total_m, 1) == 1201.3
    stops = list(plan.stops.order_by("position"))
    assert [round(s.leg_m, 1) for s in stops] == [201.0, 200.0, 200.0]
    assert [s.arrive_at for s in stops] == [dt.time(8, 31), dt.time(8, 51), dt.time(9, 12)]
    assert plan.return_time == dt.time(9, 34)
    assert set(VisitRequest.objects.values_list("status", flat=True)) == {"planned"}


def test_a_time_window_changes_the_order_and_one_that_cannot_be_met_is_listed(office, staff):
    early = ask(staff, 11, window_start=dt.time(8, 30), window_end=dt.time(8, 35))
    impossible = ask(staff, 29, window_start=dt.time(8, 0), window_end=dt.time(8, 31))
    others = [ask(staff, n) for n in (3, 7)]
    plan = plan_create(
        actor=staff["ann"],
        day=timezone.localdate(),
        visitor=staff["ann"],
        request_ids=[early.pk, impossible.pk, *(r.pk for r in others)],
    )
    assert order(plan) == ["住戶11", "住戶7", "住戶3"]
    assert [(u.request_id, u.reason, u.detail) for u in plan.unfit.all()] == [
        (impossible.pk, "window", "window 08:00–08:31; straight from the office it is reached at 08:35 at the earliest")
    ]
    impossible.refresh_from_db()
    assert impossible.status == "open"


def test_a_full_day_keeps_the_urgent_and_drops_the_routine(office, staff):
    routine = ask(staff, 3)
    urgent = ask(staff, 29, urgency="urgent")
    soon = ask(staff, 27, urgency="soon")
    plan = plan_create(
        actor=staff["ann"],
        day=timezone.localdate(),
        visitor=staff["ann"],
        request_ids=[routine.pk, urgent.pk, soon.pk],
        service_minutes=240,
    )
    assert order(plan) == ["住戶29", "住戶27"]  # the urgent visit first, though 27號 is nearer the office
    assert [(u.request_id, u.reason) for u in plan.unfit.all()] == [(routine.pk, "no_room")]


def test_preferred_days_and_requests_no_longer_open(office, staff):
    today = timezone.localdate()
    other_day = today.isoweekday() % 7 + 1
    picky = ask(staff, 3, preferred_days=[other_day])
    fine = ask(staff, 7)
    gone = ask(staff, 9)
    request_cancel(actor=staff["ann"], request_id=gone.pk, version=gone.version, reason="moved")
    plan = plan_create(actor=staff["ann"], day=today, visitor=staff["ann"], request_ids=[picky.pk, fine.pk, gone.pk])
    assert order(plan) == ["住戶7"]
    assert sorted((u.request_id, u.reason) for u in plan.unfit.all()) == [(picky.pk, "day"), (gone.pk, "not_open")]


def test_no_service_point_configured_is_refused(street, staff):
    request = ask(staff, 3)
    with pytest.raises(HomeVisitRefused) as refused:
        plan_create(actor=staff["ann"], day=timezone.localdate(), visitor=staff["clerk"], request_ids=[request.pk, 999999])
    assert refused.value.errors == [
        (
            "service_point",
            "no service point is configured for the office; enter the office's own address in its service points first",
        ),
        ("visitor", "carl may not make home visits"),
        ("requests", "unknown requests: #999999"),
    ]
    unlocated = ServicePoint.objects.create(name="站", kind="workstation", address="某處", geocode_note="address not found")
    with pytest.raises(HomeVisitRefused) as refused:
        plan_create(
            actor=staff["ann"],
            day=timezone.localdate() - dt.timedelta(days=1),
            visitor=staff["ann"],
            request_ids=[request.pk],
            service_point_id=unlocated.pk,
        )
    assert [f for f, _m in refused.value.errors] == ["service_point", "day"]
    assert refused.value.errors[0][1] == "站 has no located address (address not found); correct its address first"
    request.refresh_from_db()
    assert request.status == "open"


def at(hour: int, minute: int, second: int = 0) -> dt.datetime:
    """A moment of today in the office's time zone."""
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(hour, minute, second)))


def times(plan) -> list[tuple[str, str, str]]:
    stops = plan.stops.exclude(outcome="removed").select_related("request").order_by("position")
    return [(s.request.name, s.arrive_at.strftime("%H:%M"), s.outcome) for s in stops]


def test_replanning_keeps_the_visits_already_made(office, staff):
    requests = [ask(staff, n) for n in (3, 7, 11)]
    plan = plan_create(
        actor=staff["ann"], day=timezone.localdate(), visitor=staff["ann"], request_ids=[r.pk for r in requests]
    )
    made = plan.stops.get(request=requests[1])
    ids = {s.request_id: s.pk for s in plan.stops.all()}
    PlanStop.objects.filter(pk=made.pk).update(outcome="done", outcome_at=at(8, 55))
    added = ask(staff, 5)
    plan = plan_add_requests(
        actor=staff["ann"], plan_id=plan.pk, version=plan.version, request_ids=[added.pk], now=at(9, 0, 30)
    )
    assert order(plan) == ["住戶7", "住戶11", "住戶5", "住戶3"]
    kept = plan.stops.get(request=requests[1])
    assert (kept.pk, kept.position, kept.outcome) == (made.pk, 1, "done")
    request_cancel(
        actor=staff["ann"],
        request_id=added.pk,
        version=VisitRequest.objects.get(pk=added.pk).version,
        reason="in hospital",
        now=at(9, 10, 30),
    )
    plan.refresh_from_db()
    assert order(plan) == ["住戶7", "住戶11", "住戶3"]
    # Every stop kept its row (devices hold the ids); the cancelled one is marked removed, after the live ones.
    rows = {s.request_id: (s.pk, s.outcome, s.position) for s in plan.stops.all()}
    assert {k: v[0] for k, v in rows.items() if k in ids} == ids
    assert rows[added.pk][1] == "removed" and rows[added.pk][2] > 3
    with pytest.raises(HomeVisitRefused) as refused:
        plan_add_requests(actor=staff["ann"], plan_id=plan.pk, version=plan.version, request_ids=[requests[0].pk])
    assert refused.value.errors == [("requests", f"#{requests[0].pk} is already in this round")]
    with pytest.raises(HomeVisitRefused) as refused:
        plan_add_requests(actor=staff["ann"], plan_id=plan.pk, version=1, request_ids=[added.pk])
    assert refused.value.errors[0][0] == "version"


def test_replanning_during_the_day_starts_from_the_last_visit_made_at_the_current_time(office, staff):
    requests = {n: ask(staff, n) for n in (3, 7, 11, 16, 19)}
    ids = [r.pk for r in requests.values()]
    plan = plan_create(actor=staff["ann"], day=timezone.localdate(), visitor=staff["ann"], request_ids=ids)
    assert order(plan) == ["住戶16", "住戶19", "住戶11", "住戶7", "住戶3"]
    PlanStop.objects.filter(plan=plan, request=requests[16]).update(outcome="done", outcome_at=at(8, 55))
    PlanStop.objects.filter(plan=plan, request=requests[19]).update(outcome="not_home", outcome_at=at(9, 15))
    # At 09:30:30 a request for 14號 comes in: the clerk is at 19號 (the last visit made), so 14號, on the way back,
    # comes next; the times run from 09:30:30 at 19號, not from the office at 08:30. Visits made keep their times.
    added = ask(staff, 14)
    plan = plan_add_requests(
        actor=staff["ann"], plan_id=plan.pk, version=plan.version, request_ids=[added.pk], now=at(9, 30, 30)
    )
    assert times(plan) == [
        ("住戶16", "08:33", "done"),
        ("住戶19", "08:53", "not_home"),
        ("住戶14", "09:31", "pending"),
        ("住戶11", "09:52", "pending"),
        ("住戶7", "10:12", "pending"),
        ("住戶3", "10:33", "pending"),
    ]
    assert plan.return_time == dt.time(10, 54)
    # At 10:05:30 7號 cancels (no further visit was reported): the rest runs from 19號 at 10:05:30.
    request_cancel(
        actor=staff["ann"],
        request_id=requests[7].pk,
        version=VisitRequest.objects.get(pk=requests[7].pk).version,
        reason="came to the office",
        now=at(10, 5, 30),
    )
    plan.refresh_from_db()
    assert times(plan) == [
        ("住戶16", "08:33", "done"),
        ("住戶19", "08:53", "not_home"),
        ("住戶14", "10:06", "pending"),
        ("住戶11", "10:27", "pending"),
        ("住戶3", "10:48", "pending"),
    ]
    assert plan.return_time == dt.time(11, 9)


def test_replanning_a_day_after_its_end_lists_what_no_longer_fits(office, staff):
    requests = {n: ask(staff, n) for n in (3, 7)}
    late = ask(staff, 11, window_start=dt.time(9, 0), window_end=dt.time(10, 0))
    ids = [r.pk for r in requests.values()]
    plan = plan_create(actor=staff["ann"], day=timezone.localdate(), visitor=staff["ann"], request_ids=ids)
    PlanStop.objects.filter(plan=plan, request=requests[3]).update(outcome="done", outcome_at=at(8, 40))
    # At 16:50 at 3號: 7號 no longer fits (its 20 minutes would end after 17:00); 11號's window has passed.
    plan = plan_add_requests(
        actor=staff["ann"], plan_id=plan.pk, version=plan.version, request_ids=[late.pk], now=at(16, 50)
    )
    assert times(plan) == [("住戶3", "08:31", "done")]
    assert [(u.request_id, u.reason, u.detail) for u in plan.unfit.order_by("request_id")] == [
        (requests[7].pk, "no_room", "the round is full for its urgency or its window clashes with the others' windows"),
        (late.pk, "window", "window 09:00–10:00; from the last visit made it is reached at 16:51 at the earliest"),
    ]
    assert VisitRequest.objects.get(pk=requests[7].pk).status == "open"
