"""The round ordering on its own (pure): windows kept, urgent visits first, fixed visits kept, the rest timed from
the last visit made when re-planning during the day, and shorter than the nearest-neighbour order on a spread of
points."""

from __future__ import annotations

import random

import pytest

from geo_portal.homevisits.routing import Day, Resume, Stop, nearest_neighbour_length, plan_round

DAY = Day(x=0, y=0, start_min=8 * 60, end_min=20 * 60, speed_kmh=20)


def test_shorter_than_nearest_neighbour_on_a_zigzag():
    # Nearest neighbour walks east along the near row and comes back along the far one, crossing twice.
    stops = [Stop(key=i, x=1000 * (i % 6) + 500, y=(0 if i < 6 else 900) + 300 * (i % 2)) for i in range(12)]
    result = plan_round(DAY, stops)
    assert sorted(result.order) == list(range(12))
    assert result.length_m < nearest_neighbour_length(DAY, stops)


def test_every_feasible_window_is_met():
    rng = random.Random(5)
    stops = [
        Stop(
            key=i,
            x=rng.uniform(-3000, 3000),
            y=rng.uniform(-3000, 3000),
            window=(540, 720) if i % 7 == 0 else (840, 1020) if i % 7 == 1 else None,
            service_min=5,
        )
        for i in range(60)
    ]
    result = plan_round(DAY, stops)
    assert result.unfit == ()
    for key, arrival in zip(result.order, result.arrivals_min, strict=True):
        if key % 7 == 0:
            assert 540 <= arrival <= 720
        if key % 7 == 1:
            assert 840 <= arrival <= 1020
    assert result.return_min <= DAY.end_min


def test_at_most_nine_tenths_of_nearest_neighbour_without_windows():
    rng = random.Random(5)
    stops = [Stop(key=i, x=rng.uniform(-3000, 3000), y=rng.uniform(-3000, 3000), service_min=5) for i in range(60)]
    result = plan_round(DAY, stops)
    assert len(result.order) == 60
    assert result.length_m <= 0.9 * nearest_neighbour_length(DAY, stops)


def test_fixed_visits_stay_first_in_their_order():
    fixed = [Stop(key=100, x=3000, y=0), Stop(key=101, x=-3000, y=0)]
    stops = [Stop(key=i, x=100 * i, y=50) for i in range(1, 5)]
    result = plan_round(DAY, stops, fixed=fixed)
    assert result.order[:2] == (100, 101)
    assert sorted(result.order[2:]) == [1, 2, 3, 4]


def test_empty_round():
    result = plan_round(DAY, [])
    assert (result.order, result.length_m, result.return_min) == ((), 0.0, 480.0)


# A cross east of the office: 1 (routine) and 3 (soon) on the axis either side of 2 (urgent), 4 (routine) above it.
CROSS = [
    Stop(key=1, x=1000, y=0),
    Stop(key=2, x=2000, y=0, priority=0),
    Stop(key=3, x=3000, y=0, priority=1),
    Stop(key=4, x=2000, y=1000),
]


def minutes(result) -> list[float]:
    return [round(float(a), 2) for a in result.arrivals_min]


def test_urgent_visits_come_first_even_when_the_round_is_longer():
    # Without urgency the shortest round passes the urgent visit third (4, 3, 2, 1); with it, 2 opens the round.
    plain = plan_round(DAY, [Stop(key=s.key, x=s.x, y=s.y) for s in CROSS])
    assert (plain.order, round(plain.length_m, 1)) == ((4, 3, 2, 1), 6650.3)
    result = plan_round(DAY, CROSS)
    assert result.order == (2, 3, 4, 1)
    assert minutes(result) == [486.0, 509.0, 533.24, 557.49]
    assert round(result.length_m, 1) == 6828.4
    # Two urgent visits both come before every non-urgent one.
    both = plan_round(DAY, [*CROSS, Stop(key=5, x=3000, y=1000, priority=0)])
    assert both.order == (2, 5, 3, 4, 1)


def test_a_non_urgent_visit_held_to_an_early_window_may_come_before_the_urgent_ones():
    early = Stop(key=6, x=1000, y=1000, window=(480, 490))
    result = plan_round(DAY, [*CROSS, early])
    assert result.order == (6, 2, 3, 4, 1)
    assert minutes(result) == [484.24, 508.49, 531.49, 555.73, 579.97]


def test_resumed_round_is_timed_from_the_last_visit_made_at_the_current_time():
    made = [Stop(key=100, x=3000, y=0)]
    stops = [Stop(key=1, x=3000, y=1000), Stop(key=2, x=0, y=1000), Stop(key=3, x=0, y=-500, window=(540, 590))]
    # From the start of the day all three fit: 3's window (09:00–09:50) is met on the way back.
    fresh = plan_round(DAY, stops, fixed=made)
    assert (fresh.order, minutes(fresh), fresh.unfit) == ((100, 1, 2, 3), [489.0, 512.0, 541.0, 565.5], ())
    # At 10:00 the clerk is at 100 (visited at 09:00): 1 km to 1 (3 min at 20 km/h), 3 km to 2, 1 km home; 3's window
    # has passed (the earliest arrival from 100 now is 10:09).
    result = plan_round(DAY, stops, fixed=made, resume=Resume(at_min=600, arrivals_min=(540.0,)))
    assert result.order == (100, 1, 2)
    assert minutes(result) == [540.0, 603.0, 632.0]
    assert result.legs_m == (3000.0, 1000.0, 3000.0, 1000.0)
    assert result.return_min == 655.0
    assert [(u.key, u.reason, round(u.earliest_min, 2)) for u in result.unfit] == [(3, "window", 609.12)]
    # Nothing left to visit: straight back from the last visit.
    home = plan_round(DAY, [], fixed=made, resume=Resume(at_min=600, arrivals_min=(540.0,)))
    assert (home.order, home.return_min, home.unfit) == ((100,), 609.0, ())


def test_a_resumed_round_needs_a_time_per_visit_made():
    with pytest.raises(ValueError, match="one time per fixed visit"):
        plan_round(DAY, [], fixed=[Stop(key=1, x=0, y=0)], resume=Resume(at_min=600))


def test_a_large_resumed_round_keeps_every_rule():
    # 80 stops (a large round: four insertion orders, the shortened window checks): after two visits made, from the
    # last one at 11:00, every window and the urgency rule hold, and the times follow the legs from there.
    rng = random.Random(11)
    made = [Stop(key=900, x=500, y=500), Stop(key=901, x=-800, y=300)]
    stops = [
        Stop(
            key=i,
            x=rng.uniform(-2500, 2500),
            y=rng.uniform(-2500, 2500),
            priority=0 if i % 9 == 0 else 2,
            window=(690, 840) if i % 6 == 1 else (900, 1080) if i % 6 == 2 else None,
            service_min=3,
        )
        for i in range(80)
    ]
    result = plan_round(DAY, stops, fixed=made, resume=Resume(at_min=660, arrivals_min=(500.0, 560.0)))
    by_key = {s.key: s for s in [*made, *stops]}
    assert result.order[:2] == (900, 901) and result.arrivals_min[:2] == (500.0, 560.0)
    assert sorted([*result.order[2:], *(u.key for u in result.unfit)]) == list(range(80))
    assert [(u.key, u.reason) for u in result.unfit] == []
    t, here = 660.0, by_key[901]
    seen_plain = False
    for key, arrival in zip(result.order[2:], result.arrivals_min[2:], strict=True):
        stop = by_key[key]
        t = max(
            t + ((stop.x - here.x) ** 2 + (stop.y - here.y) ** 2) ** 0.5 / (20_000 / 60),
            stop.window[0] if stop.window else 0,
        )
        assert abs(arrival - t) < 1e-6
        if stop.window:
            assert stop.window[0] <= arrival <= stop.window[1]
        assert not (stop.priority == 0 and seen_plain)
        seen_plain = seen_plain or (stop.priority > 0 and stop.window is None)
        t, here = t + stop.service_min, stop
    assert result.return_min <= DAY.end_min
