"""The round ordering on its own (pure): windows kept, urgency first, fixed visits kept, and shorter than the
nearest-neighbour order on a spread of points."""

from __future__ import annotations

import random

from geo_portal.homevisits.routing import Day, Stop, nearest_neighbour_length, plan_round

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
