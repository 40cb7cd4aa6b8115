"""Ordering a day's home visits (pure: no database): from the office and back, by straight-line distance.

No road network is in the data, so every leg is the straight line between two points in metres (EPSG:3826) and a
leg's time is its length at an assumed average speed; the plan page says so. ``plan_round`` serves the most
urgent requests first: it inserts them one by one at the cheapest position that keeps every time window and the
end of the working day (urgent ones before the others, so a full day drops the least urgent), then shortens the
round by 2-opt and or-opt moves that keep every window. Visits already made stay where they were (``fixed``).
Small rounds are built from several insertion orders and the shortest kept. ``nearest_neighbour_length`` is the
simple order the benchmark compares with. Called by ``planning.replan`` and the benchmark.

Urgency earlier in the day (a hard rule, checked with every window): an urgent visit never comes after a
non-urgent visit that has no time window of its own. So the urgent visits open the round, and only a non-urgent
visit held to a window (placed by its window, not by choice) may come between them. "Soon" and "routine" differ only
in which are dropped first when the day is full.

Re-planning during the day (``resume``): the visits already made stay first as they were; the rest is timed from
the last of them (or the office when none) at the moment of the re-plan, not from the office at the day's start.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

EPS = 1e-6
# Starts tried for rounds up to SMALL stops (cheap there, and a single insertion order can be unlucky); on large
# rounds with windows more insertion orders pay off (measured: the 200-stop bench draws), on large ones without fewer.
SMALL, SMALL_STARTS, LARGE_STARTS, LARGE_TIMED_STARTS = 60, 3, 2, 4
# Perturbations tried after the best start (iterated local search); fewer on large rounds, where each costs more, and
# none on large rounds with windows, where a perturbed round almost never keeps every window (measured).
KICKS, LARGE_KICKS = 40, 6


@dataclass(frozen=True)
class Stop:
    """A request to place: ``priority`` 0 is the most urgent; ``window`` in minutes after midnight (or None)."""

    key: int
    x: float
    y: float
    priority: int = 2
    window: tuple[int, int] | None = None
    service_min: int = 20


@dataclass(frozen=True)
class Day:
    """The office's point, the working day in minutes after midnight, the assumed speed along straight lines."""

    x: float
    y: float
    start_min: int = 8 * 60 + 30
    end_min: int = 17 * 60
    speed_kmh: float = 20.0

    @property
    def metres_per_min(self) -> float:
        return self.speed_kmh * 1000 / 60


@dataclass(frozen=True)
class Resume:
    """The clerk is at the last of the ``fixed`` visits (the office when there is none) at ``at_min``; the fixed
    visits began at ``arrivals_min`` (as recorded: they are not timed again)."""

    at_min: float
    arrivals_min: tuple[float, ...] = ()


@dataclass(frozen=True)
class Unfit:
    key: int
    reason: str  # "window" (cannot be met even alone) | "no_room" (not with the others and the day's end)
    earliest_min: float  # the earliest arrival straight from the office


@dataclass(frozen=True)
class Round:
    order: tuple[int, ...]  # keys in visiting order (fixed ones first)
    arrivals_min: tuple[float, ...]  # when each visit begins (after waiting for its window)
    legs_m: tuple[float, ...]  # office → first, …, last → office (one more than the stops)
    unfit: tuple[Unfit, ...]
    return_min: float

    @property
    def length_m(self) -> float:
        return float(sum(self.legs_m))


class _Problem:
    """Stops as arrays (index 0 is the office) with their distance matrix and the schedule check."""

    def __init__(self, day: Day, stops: Sequence[Stop], fixed: int = 0, resume: Resume | None = None) -> None:
        self.day, self.stops, self.fixed, self.resume = day, list(stops), fixed, resume
        xy = np.array([(day.x, day.y)] + [(s.x, s.y) for s in stops], dtype=float).reshape(-1, 2)
        self.dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        self.travel = self.dist / day.metres_per_min
        # Rows as Python lists for the schedule check, the hot loop (a numpy scalar per access is several times slower).
        self.travel_rows = self.travel.tolist()
        self.open = [-math.inf] + [s.window[0] if s.window else -math.inf for s in stops]
        self.close = [math.inf] + [s.window[1] if s.window else math.inf for s in stops]
        self.service = [0] + [s.service_min for s in stops]
        # The urgency rule (module docstring) over the visits still to make: urgent ones, and the non-urgent ones
        # without a window that an urgent one may not follow.
        free = range(fixed + 1, len(stops) + 1)
        self.urgent = [i in free and stops[i - 1].priority == 0 for i in range(len(stops) + 1)]
        self.plain = [i in free and stops[i - 1].priority > 0 and not stops[i - 1].window for i in range(len(stops) + 1)]
        self.ranked = any(self.urgent) and any(self.plain)
        # Without windows a round's time is its travel plus the visits, so a shorter round of the same visits is
        # never late where the longer one was not: improving moves then need only the urgency rule checked.
        self.windowless = all(s.window is None for s in stops[fixed:])

    def in_rank(self, route: Sequence[int]) -> bool:
        """True when no urgent visit follows a non-urgent visit without a window."""
        if not self.ranked:
            return True
        seen_plain, urgent, plain = False, self.urgent, self.plain
        for node in route:
            if urgent[node] and seen_plain:
                return False
            seen_plain = seen_plain or plain[node]
        return True

    def prime(self, route: Sequence[int]) -> None:
        """Remember when the clerk leaves each visit of the feasible ``route`` (for ``fits_shorter``'s shortcut)."""
        self.departs: list[float] = []
        t, prev, base = float(self.day.start_min), 0, 0
        if self.resume is not None:
            t, prev, base = float(self.resume.at_min), self.fixed, self.fixed
            self.departs = [math.nan] * self.fixed
        rows, opens, service = self.travel_rows, self.open, self.service
        for node in route[base:]:
            t = max(t + rows[prev][node], opens[node]) + service[node]
            self.departs.append(t)
            prev = node

    def fits_shorter(self, route: Sequence[int], first: int = 0) -> bool:
        """Whether ``route``, shorter than the feasible round last ``prime``d and equal to it before index ``first``,
        is feasible too: only the visits from ``first`` on are timed again."""
        if self.windowless:
            return self.in_rank(route)
        base = self.fixed if self.resume is not None else 0
        if first <= base:
            return self.schedule(route) is not None
        if not self.in_rank(route):
            return False
        t, prev = self.departs[first - 1], route[first - 1]
        rows, opens, closes, service = self.travel_rows, self.open, self.close, self.service
        for node in route[first:]:
            t += rows[prev][node]
            if t < opens[node]:
                t = opens[node]
            if t > closes[node] + EPS:
                return False
            t += service[node]
            prev = node
        return t + rows[prev][0] <= self.day.end_min + EPS

    def schedule(self, route: Sequence[int]) -> list[float] | None:
        """When each visit of ``route`` (indices) begins, or None when a window, the urgency rule or the day's end
        is missed."""
        if not self.in_rank(route):
            return None
        t, prev, out = float(self.day.start_min), 0, []
        if self.resume is not None:
            # The visits made are not timed again: the rest starts where and when the clerk is now.
            t, prev, out = float(self.resume.at_min), self.fixed, list(self.resume.arrivals_min)
            route = route[self.fixed :]
        rows, opens, closes, service = self.travel_rows, self.open, self.close, self.service
        for node in route:
            t += rows[prev][node]
            if t < opens[node]:
                t = opens[node]
            if t > closes[node] + EPS:
                return None
            out.append(t)
            t += service[node]
            prev = node
        if t + rows[prev][0] > self.day.end_min + EPS:
            return None
        return out

    def length(self, route: Sequence[int]) -> float:
        tour = [0, *route, 0]
        return float(self.dist[tour[:-1], tour[1:]].sum())


def _insert(problem: _Problem, route: list[int], node: int, lo: int) -> bool:
    """Put ``node`` at the cheapest position at or after ``lo`` that keeps the schedule; False when none does."""
    tour = np.array([0, *route, 0])
    a, b = tour[lo:-1], tour[lo + 1 :]
    delta = problem.dist[a, node] + problem.dist[node, b] - problem.dist[a, b]
    for k in np.argsort(delta, kind="stable"):
        candidate = route[: lo + k] + [node] + route[lo + k :]
        if problem.schedule(candidate) is not None:
            route[:] = candidate
            return True
    return False


def _best_first(gain: np.ndarray) -> np.ndarray:
    """Indices of the positive gains, largest first (most positions gain nothing: those are never sorted)."""
    found = np.flatnonzero(gain > EPS)
    return found[np.argsort(-gain[found], kind="stable")]


def _two_opt(problem: _Problem, route: list[int], lo: int) -> bool:
    """Reverse a stretch of the free part when that is shorter and every window still holds."""
    improved, d = False, problem.dist
    n = len(route)
    i = lo
    tour = np.array([0, *route, 0])
    problem.prime(route)
    while i < n - 1:
        a, b = tour[i], tour[i + 1]
        c, e = tour[i + 2 : n + 1], tour[i + 3 : n + 2]
        gain = d[a, b] + d[c, e] - d[a, c] - d[b, e]
        moved = False
        for k in _best_first(gain):
            j = i + 1 + k  # the reversed stretch is route[i .. j]
            candidate = route[:i] + route[i : j + 1][::-1] + route[j + 1 :]
            if problem.fits_shorter(candidate, i):
                route[:] = candidate
                tour = np.array([0, *route, 0])
                problem.prime(route)
                improved = moved = True
                break
        if not moved:
            i += 1
    return improved


def _or_opt(problem: _Problem, route: list[int], lo: int) -> bool:
    """Move a run of 1–3 visits (either way round) elsewhere in the free part when shorter and feasible."""
    improved, d = False, problem.dist
    tour = np.array([0, *route, 0])
    problem.prime(route)
    for size in (1, 2, 3):
        s = lo
        while s + size <= len(route):
            seg = route[s : s + size]
            before, after = tour[s], tour[s + size + 1]
            removed = d[before, seg[0]] + d[seg[-1], after] - d[before, after]
            rt = np.concatenate((tour[: s + 1], tour[s + size + 1 :]))
            a, b = rt[lo:-1], rt[lo + 1 :]
            best: tuple[float, list[int]] | None = None
            for piece in (seg, seg[::-1]):
                gain = removed - (d[a, piece[0]] + d[piece[-1], b] - d[a, b])
                for k in _best_first(gain):
                    if lo + k == s and piece is seg:
                        continue
                    rest = route[:s] + route[s + size :]
                    candidate = rest[: lo + k] + piece + rest[lo + k :]
                    if problem.fits_shorter(candidate, min(s, lo + k)):
                        if best is None or gain[k] > best[0]:
                            best = (float(gain[k]), candidate)
                        break
            if best is not None:
                route[:] = best[1]
                tour = np.array([0, *route, 0])
                problem.prime(route)
                improved = True
            else:
                s += 1
    return improved


def _improve(problem: _Problem, route: list[int], lo: int) -> None:
    for _ in range(50):  # each pass shortens the round; 50 passes are never reached in practice
        if not (_two_opt(problem, route, lo) | _or_opt(problem, route, lo)):
            return


def _build(problem: _Problem, order: list[int], fixed: list[int]) -> tuple[list[int], list[int]]:
    route, left = list(fixed), []
    for node in order:
        if not _insert(problem, route, node, len(fixed)):
            left.append(node)
    _improve(problem, route, len(fixed))
    return route, left


def _kicks(problem: _Problem, route: list[int], lo: int, rng: random.Random, tries: int) -> list[int]:
    """Iterated local search: cut the free part in four and join the pieces in another order (a "double
    bridge", which 2-opt and or-opt cannot undo in one move), improve, keep it when shorter and still feasible."""
    best, best_len = list(route), problem.length(route)
    free = len(route) - lo
    if free < 8:
        return best
    for _ in range(tries):
        a, b, c = sorted(rng.sample(range(1, free), 3))
        part = best[lo:]
        candidate = best[:lo] + part[:a] + part[c:] + part[b:c] + part[a:b]
        if problem.schedule(candidate) is None:
            continue
        _improve(problem, candidate, lo)
        length = problem.length(candidate)
        if length < best_len - EPS:
            best, best_len = candidate, length
    return best


def plan_round(
    day: Day, stops: Sequence[Stop], *, fixed: Sequence[Stop] = (), resume: Resume | None = None, seed: int = 17
) -> Round:
    """The round through ``fixed`` (in their order) and as many of ``stops`` as fit, most urgent first; with
    ``resume``, the rest is timed from the last fixed visit at ``resume.at_min``."""
    if resume is not None and len(resume.arrivals_min) != len(fixed):
        raise ValueError("resume.arrivals_min needs one time per fixed visit")
    everyone = [*fixed, *stops]
    problem = _Problem(day, everyone, len(fixed), resume)
    fixed_idx = list(range(1, len(fixed) + 1))
    if resume is None and fixed_idx and problem.schedule(fixed_idx) is None:
        # Visits already made are kept as they were, whatever their times say now.
        problem.close = [math.inf] * len(problem.close)
    free = list(range(len(fixed) + 1, len(everyone) + 1))
    # "window" only for a window that cannot be met even as the next visit; the rest compete for room.
    alone = {i: problem.stops[i - 1].window is None or problem.schedule([*fixed_idx, i]) is not None for i in free}
    if resume is None:
        earliest = {i: day.start_min + float(problem.travel[0, i]) for i in free}
    else:
        earliest = {i: resume.at_min + float(problem.travel[len(fixed), i]) for i in free}
    placeable = [i for i in free if alone[i]]
    by = problem.stops

    def ordered(rng: random.Random | None, near_first: bool) -> list[int]:
        def rank(i: int) -> tuple:
            s = by[i - 1]
            tight = s.window[1] if s.window else math.inf
            far = problem.dist[0, i] * (1 if near_first else -1)
            return (s.priority, tight, far if rng is None else rng.random())

        return sorted(placeable, key=rank)

    starts = [ordered(None, False), ordered(None, True)]
    rng = random.Random(seed)  # noqa: S311 (search order, not secrecy)
    small = len(placeable) <= SMALL
    total = SMALL_STARTS if small else LARGE_STARTS if problem.windowless else LARGE_TIMED_STARTS
    starts += [ordered(rng, False) for _ in range(max(0, total - len(starts)))]
    best: tuple[tuple, list[int], list[int]] | None = None
    for order in starts:
        route, left = _build(problem, order, fixed_idx)
        served = tuple(-sum(1 for i in route[len(fixed) :] if by[i - 1].priority == p) for p in range(3))
        score = (served, problem.length(route))
        if best is None or score < best[0]:
            best = (score, route, left)
    assert best is not None
    _, route, left = best
    route = _kicks(problem, route, len(fixed), rng, KICKS if small else LARGE_KICKS if problem.windowless else 0)
    arrivals = problem.schedule(route)
    if arrivals is None:
        arrivals = _relaxed(problem, route)
    tour = [0, *route, 0]
    legs = tuple(float(problem.dist[a, b]) for a, b in itertools.pairwise(tour))
    last = route[-1] if route else 0
    if resume is not None and len(route) == len(fixed):
        back = resume.at_min + float(problem.travel[last, 0])  # nothing left to visit: straight back from here
    else:
        back = (arrivals[-1] + problem.service[last] if route else day.start_min) + float(problem.travel[last, 0])
    unfit = [Unfit(by[i - 1].key, "window", earliest[i]) for i in free if not alone[i]]
    unfit += [Unfit(by[i - 1].key, "no_room", earliest[i]) for i in left]
    return Round(
        order=tuple(by[i - 1].key for i in route),
        arrivals_min=tuple(arrivals),
        legs_m=legs,
        unfit=tuple(sorted(unfit, key=lambda u: u.key)),
        return_min=back,
    )


def _relaxed(problem: _Problem, route: Sequence[int]) -> list[float]:
    """Times without the window checks (only when fixed visits no longer fit the day's times)."""
    t, prev, out = float(problem.day.start_min), 0, []
    if problem.resume is not None:
        t, prev, out = float(problem.resume.at_min), problem.fixed, list(problem.resume.arrivals_min)
        route = route[problem.fixed :]
    for node in route:
        t = max(t + problem.travel[prev, node], problem.open[node])
        out.append(t)
        t += problem.service[node]
        prev = node
    return out


def nearest_neighbour_length(day: Day, stops: Sequence[Stop], *, windows: bool = False) -> float:
    """The length of the simple order: always the nearest visit not yet made, then back to the office. With
    ``windows``, the nearest among those whose window can still be met if visited next (waiting allowed), the nearest
    of all when none can; ``nearest_neighbour`` also counts the windows that order breaks."""
    return nearest_neighbour(day, stops, windows=windows)[0]


def nearest_neighbour(day: Day, stops: Sequence[Stop], *, windows: bool = False) -> tuple[float, int]:
    """(length in metres, windows broken) of the nearest-neighbour order."""
    problem = _Problem(day, stops)
    left, here, total, t, broken = set(range(1, len(stops) + 1)), 0, 0.0, float(day.start_min), 0
    while left:
        pool = left
        if windows:
            reachable = {i for i in left if t + problem.travel[here, i] <= problem.close[i]}
            pool = reachable or left
        nxt = min(pool, key=lambda i: (problem.dist[here, i], i))
        total += float(problem.dist[here, nxt])
        t = max(t + float(problem.travel[here, nxt]), problem.open[nxt])
        if t > problem.close[nxt] + EPS:
            broken += 1
        t += problem.service[nxt]
        left.discard(nxt)
        here = nxt
    return total + float(problem.dist[here, 0]), broken
