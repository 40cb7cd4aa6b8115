"""Number-aware task splitting: a campaign's plates → entrances (stops) → sides of roads → tasks in walking order.

Pure planning over plain rows (no database): ``plan_tasks`` takes the plates and hints read by the selectors of
the lower apps and returns ``PlannedTask``s; ``services.campaign_split`` writes them. The rules:

- A **stop** is an entrance: the plates of one street (road or area name, lane, alley) at one point — the door's
  plate and the floors and 之 units behind it. Its number is the smallest number among them.
- A **street** is a road, a lane of it (巷) or an alley of a lane (弄); a side is its odd (單號) or even (雙號)
  numbers. An alley with at most ``fold_max_stops`` entrances is walked with the side of its lane that it opens
  onto (the parity of the alley's number, at that number); likewise a short lane (with its folded alleys) with
  the side of its road. Longer lanes and alleys are streets of their own.
- Plates with an area name (地區) instead of a road group by village and area name, in number order.
- A side is cut into tasks of ``target_min_stops``–``target_max_stops`` stops of even size, never inside a
  folded lane; a side shorter than the minimum is one task.
- Hints ride on stops: a numbering gap after the stop on its side, open citizen reports (on the plate's stop,
  or the nearest stop within ``HINT_RADIUS_M``), a plate outside its village, a building without a plate
  nearby, and "never checked" when no plate of the stop has been checked.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely

from geo_portal.addresses.selectors import PlateRow

# Hints (reports, buildings) find their stop within this distance.
HINT_RADIUS_M = 50.0
# A gap of more than this many missing numbers is usually undeveloped land, not lost plates.
GAP_MAX_MISSING = 10
# The task's outline: its stops' walking line buffered by this much.
TASK_BUFFER_M = 15.0
_LEADING_NUMBER = re.compile(r"^(\d+)")

# Hint kinds, as stored in Stop.hints[*]["kind"] and shown by the field app.
GAP = "gap_after"
REPORT = "report"
OUTSIDE_VILLAGE = "outside_village"
UNPLATED_BUILDING = "building_without_plate"
NEVER_CHECKED = "never_checked"


@dataclass
class PlannedStop:
    plate_ids: list[int]
    number: int
    label: str
    x: float
    y: float
    village_id: int | None
    last_checked: dt.date | None  # the most recent check of any of its plates
    checked_all_since: dt.date | None  # the oldest last check among its plates (None: some plate never checked)
    hints: list[dict] = field(default_factory=list)
    folded: bool = False  # on a lane or alley walked with the side of the street it opens onto


@dataclass
class PlannedTask:
    road_id: int | None
    area_name: str
    village_id: int | None
    side: str  # "odd" | "even" | "area"
    label: str
    stops: list[PlannedStop]
    outline: shapely.Polygon

    @property
    def own_numbers(self) -> list[int]:
        """The numbers of the street itself (a folded lane's numbers are its own); all when only lanes remain."""
        return [s.number for s in self.stops if not s.folded] or [s.number for s in self.stops]

    @property
    def first_number(self) -> int:
        return min(self.own_numbers)

    @property
    def last_number(self) -> int:
        return max(self.own_numbers)


@dataclass(frozen=True)
class SplitRules:
    target_min_stops: int = 40
    target_max_stops: int = 80
    fold_max_stops: int = 40
    scope: str = "all"  # Campaign.Scope values
    not_checked_since: dt.date | None = None


def _lane_number(name: str) -> int | None:
    match = _LEADING_NUMBER.match(name)
    return int(match.group(1)) if match else None


def _entrance_order(row: PlateRow) -> tuple:
    # The door's own plate first (no 之, no floor), then 之 units, then floors upwards.
    return (
        row.number,
        row.number_prefix,
        row.sub_number or 0,
        row.number_suffix or 0,
        row.floor is not None,
        row.floor or 0,
        row.floor_sub or 0,
        row.id,
    )


def _street_part(street_key: str) -> str:
    """光復路二段101號3樓 → 光復路二段101號 (the entrance's label)."""
    head, sep, _rest = street_key.partition("號")
    return head + sep


def build_stops(rows: Iterable[PlateRow]) -> dict[tuple, list[PlannedStop]]:
    """Plates → stops grouped by street key (road_id, area, lane, alley), each list in number order."""
    grouped: dict[tuple, list[PlateRow]] = defaultdict(list)
    for row in rows:
        grouped[(row.road_id, row.area, row.lane, row.alley, row.x, row.y)].append(row)
    streets: dict[tuple, list[PlannedStop]] = defaultdict(list)
    for (road_id, area, lane, alley, x, y), plates in grouped.items():
        plates.sort(key=_entrance_order)
        checks = [p.last_checked_on for p in plates]
        streets[(road_id, area, lane, alley)].append(
            PlannedStop(
                plate_ids=[p.id for p in plates],
                number=plates[0].number,
                label=_street_part(plates[0].street_key),
                x=x,
                y=y,
                village_id=plates[0].village_id,
                last_checked=max((c for c in checks if c), default=None),
                checked_all_since=None if None in checks else min(checks),
                hints=[{"kind": OUTSIDE_VILLAGE, "plate": p.id} for p in plates if p.outside_village],
            )
        )
    for stops in streets.values():
        stops.sort(key=lambda s: (s.number, s.label, s.plate_ids[0]))
    return streets


def _side(number: int) -> str:
    return "odd" if number % 2 else "even"


# A side's walking sequence: items are single stops or folded blocks (a short lane or alley, walked in one go).
Item = list[PlannedStop]


@dataclass
class _Street:
    key: tuple  # (road_id, area, lane, alley)
    sides: dict[str, list[tuple[float, Item]]] = field(default_factory=lambda: defaultdict(list))

    def size(self) -> int:
        return sum(len(item) for items in self.sides.values() for _pos, item in items)

    def walked(self) -> Item:
        """All its stops in walking order: up the odd side, back down the even side (a single side: upwards)."""
        odd = [s for _p, item in sorted(self.sides.get("odd", []), key=_position) for s in item]
        even = [s for _p, item in sorted(self.sides.get("even", []), key=_position) for s in item]
        return odd + even[::-1] if odd else even


def _position(entry: tuple[float, Item]) -> tuple:
    return (entry[0], entry[1][0].number, entry[1][0].label)


def _add_gap_hints(items: list[tuple[float, Item]]) -> None:
    """On one side of one street: a stop followed by a gap of 1–GAP_MAX_MISSING missing numbers gets a hint."""
    singles = [item[0] for _pos, item in sorted(items, key=_position) if len(item) == 1]
    for before, after in itertools.pairwise(singles):
        step = after.number - before.number
        if 2 < step <= 2 * (GAP_MAX_MISSING + 1):
            missing = list(range(before.number + 2, after.number, 2))
            before.hints.append({"kind": GAP, "missing": missing, "next": after.number})


def build_sides(streets: dict[tuple, list[PlannedStop]], *, fold_max_stops: int) -> list[_Street]:
    """Streets with their odd and even sides; short alleys folded into lanes, short lanes into roads."""
    by_key: dict[tuple, _Street] = {}

    def street(key: tuple) -> _Street:
        if key not in by_key:
            by_key[key] = _Street(key)
        return by_key[key]

    for key, stops in streets.items():
        road_id, _area, _lane, _alley = key
        target = street(key)
        for stop in stops:
            side = "area" if road_id is None else _side(stop.number)
            target.sides[side].append((float(stop.number), [stop]))
    for street_ in by_key.values():
        for items in street_.sides.values():
            _add_gap_hints(items)

    # Fold alleys into lanes, then lanes into roads (deepest first, so a lane carries its folded alleys).
    for depth in (3, 2):
        for key in sorted((k for k in by_key if _depth(k) == depth), key=str):
            child = by_key[key]
            number = _lane_number(key[3] if depth == 3 else key[2])
            if number is None or child.size() > fold_max_stops or key[0] is None:
                continue
            parent_key = (key[0], key[1], key[2], "") if depth == 3 else (key[0], key[1], "", "")
            parent = street(parent_key)
            # Just after the entrance with the lane's number: 101巷 opens beside 101號.
            block = child.walked()
            for stop in block:
                stop.folded = True
            parent.sides[_side(number)].append((number + 0.5, block))
            del by_key[key]
    return sorted(by_key.values(), key=lambda s: tuple("" if v is None else str(v) for v in s.key))


def _depth(key: tuple) -> int:
    return 3 if key[3] else 2 if key[2] else 1


def in_scope(stop: PlannedStop, rules: SplitRules) -> bool:
    if rules.scope == "not_checked_since":
        return stop.checked_all_since is None or stop.checked_all_since < rules.not_checked_since
    if rules.scope == "hints_only":
        return any(h["kind"] != NEVER_CHECKED for h in stop.hints)
    return True


def cut(items: Sequence[Item], *, target_min: int, target_max: int) -> list[Item]:
    """Items → consecutive chunks of about equal size within [target_min, target_max] stops (a folded block is
    never cut; a sequence shorter than the minimum is one chunk)."""
    total = sum(len(i) for i in items)
    if total == 0:
        return []
    chunks_wanted = max(1, math.ceil(total / target_max))
    ideal = total / chunks_wanted
    chunks: list[Item] = []
    current: Item = []
    done = 0
    for item in items:
        if current and (len(current) + len(item) > target_max or done + len(current) >= ideal * (len(chunks) + 1)):
            chunks.append(current)
            done += len(current)
            current = []
        current = current + item
    if current:
        # A short tail joins the chunk before it when both fit in one task.
        if chunks and len(current) < target_min and len(chunks[-1]) + len(current) <= target_max:
            chunks[-1] = chunks[-1] + current
        else:
            chunks.append(current)
    return chunks


def _outline(stops: Sequence[PlannedStop]) -> shapely.Polygon:
    coords = [(s.x, s.y) for s in stops]
    geom = shapely.Point(coords[0]) if len(set(coords)) == 1 else shapely.LineString(coords)
    outline = geom.buffer(TASK_BUFFER_M, quad_segs=4)
    # A line doubling back can buffer into several pieces in theory; the hull keeps one polygon.
    return outline if outline.geom_type == "Polygon" else outline.convex_hull


def attach_point_hints(stops: Sequence[PlannedStop], points: Sequence[tuple[dict, float, float, int | None]]) -> None:
    """Hints at points (reports, buildings): on the stop holding their plate, else the nearest within range."""
    by_plate = {pid: stop for stop in stops for pid in stop.plate_ids}
    loose = [(hint, x, y) for hint, x, y, plate_id in points if plate_id not in by_plate]
    for hint, _x, _y, plate_id in points:
        if plate_id in by_plate:
            by_plate[plate_id].hints.append(hint)
    if not loose or not stops:
        return
    tree = shapely.STRtree(shapely.points([(s.x, s.y) for s in stops]))
    query = shapely.points([(x, y) for _h, x, y in loose])
    (src, dst) = tree.query_nearest(query, max_distance=HINT_RADIUS_M, all_matches=False)
    for i, j in zip(np.asarray(src).tolist(), np.asarray(dst).tolist(), strict=True):
        stops[j].hints.append(loose[i][0])


def plan_tasks(
    rows: Iterable[PlateRow],
    *,
    rules: SplitRules,
    road_names: dict[int, str],
    village_names: dict[int, str],
    reports: Sequence[tuple[str, int | None, float, float]] = (),
    unplated_buildings: Sequence[tuple[int, float, float]] = (),
) -> list[PlannedTask]:
    """The whole plan: stops, hints, sides, folding, scope, cutting, outlines — in a stable order."""
    streets = build_stops(rows)
    all_stops = [stop for stops in streets.values() for stop in stops]
    for stop in all_stops:
        if stop.last_checked is None:
            stop.hints.append({"kind": NEVER_CHECKED})
    attach_point_hints(
        all_stops,
        [({"kind": REPORT, "report_kind": kind}, x, y, plate_id) for kind, plate_id, x, y in reports]
        + [({"kind": UNPLATED_BUILDING, "building": bid, "x": x, "y": y}, x, y, None) for bid, x, y in unplated_buildings],
    )
    tasks: list[PlannedTask] = []
    for street_ in build_sides(streets, fold_max_stops=rules.fold_max_stops):
        road_id, area, lane, alley = street_.key
        name = road_names.get(road_id, "") if road_id is not None else area
        name += (f"{lane}巷" if lane else "") + (f"{alley}弄" if alley else "")
        for side in ("odd", "even", "area"):
            entries = sorted(street_.sides.get(side, []), key=_position)
            items = [[s for s in item if in_scope(s, rules)] for _pos, item in entries]
            items = [item for item in items if item]
            if side == "area":
                _append_area_tasks(tasks, street_, name, items, rules, village_names)
                continue
            for chunk in cut(items, target_min=rules.target_min_stops, target_max=rules.target_max_stops):
                tasks.append(_task(road_id, "", chunk[0].village_id, side, name, chunk))
    return tasks


def _append_area_tasks(tasks, street_, name, items, rules, village_names) -> None:
    # Area-name plates: one sequence per village, in number order.
    by_village: dict[int | None, list[Item]] = defaultdict(list)
    for item in items:
        by_village[item[0].village_id].append(item)
    for village_id in sorted(by_village, key=lambda v: (v is None, v or 0)):
        label = f"{village_names.get(village_id, '')} {name}".strip()
        for chunk in cut(by_village[village_id], target_min=rules.target_min_stops, target_max=rules.target_max_stops):
            tasks.append(_task(None, street_.key[1], village_id, "area", label, chunk))


_SIDE_LABEL = {"odd": "單號", "even": "雙號", "area": ""}


def _task(road_id, area_name, village_id, side, name, stops: Item) -> PlannedTask:
    task = PlannedTask(road_id, area_name, village_id, side, "", list(stops), _outline(stops))
    if any(not s.folded for s in stops):
        span = f"{task.first_number}–{task.last_number}"
    else:  # only lanes folded into this side: name the first and last entrance, 4巷2號–4巷6弄1號
        span = f"{stops[0].label.removeprefix(name)}–{stops[-1].label.removeprefix(name)}"
    task.label = f"{name} {_SIDE_LABEL[side]} {span}".replace("  ", " ")
    return task
