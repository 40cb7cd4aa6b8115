"""The installation route of a production order, in walking order (pure: no Django, no database).

Plates are grouped by street (road and section, lane, alley); a group is walked up its odd side by number and back
down its even side, as a person with a ladder walks a street. Groups follow one another by nearest neighbour: the
first is the one starting nearest the office (or the south-western-most start without one), each next one the
group whose start is nearest the end of the last. Called by ``services.production`` and tests.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Stop:
    """One plate to put up: its key (the case plate's id), street, house number and position (metres, TWD97)."""

    key: int
    street: str
    number: int
    x: float
    y: float


@dataclass(frozen=True)
class Group:
    street: str
    stops: tuple[Stop, ...]


def _walk(stops: list[Stop]) -> tuple[Stop, ...]:
    """Odd numbers ascending, then even numbers descending (ties by key, so the order is always the same)."""
    odd = sorted((s for s in stops if s.number % 2), key=lambda s: (s.number, s.key))
    even = sorted((s for s in stops if not s.number % 2), key=lambda s: (-s.number, s.key))
    return tuple(odd + even)


def _distance(a: Stop, point: tuple[float, float]) -> float:
    return math.hypot(a.x - point[0], a.y - point[1])


def walking_order(stops: Iterable[Stop], *, start: tuple[float, float] | None = None) -> list[Group]:
    """The stops grouped by street and ordered for walking (see the module docstring)."""
    by_street: dict[str, list[Stop]] = {}
    for stop in stops:
        by_street.setdefault(stop.street, []).append(stop)
    groups = [Group(street, _walk(members)) for street, members in sorted(by_street.items())]
    if not groups:
        return []
    if start is None:
        first = min(groups, key=lambda g: (g.stops[0].y, g.stops[0].x, g.street))
    else:
        first = min(groups, key=lambda g: (_distance(g.stops[0], start), g.street))
    route, left = [first], [g for g in groups if g is not first]
    while left:
        end = route[-1].stops[-1]
        nearest = min(left, key=lambda g: (_distance(g.stops[0], (end.x, end.y)), g.street))
        route.append(nearest)
        left.remove(nearest)
    return route
