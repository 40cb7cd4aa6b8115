"""Task splitting rules on plain rows (no database): entrances, sides, folding, cutting, hints, scope."""

from __future__ import annotations

import datetime as dt

from geo_portal.addresses.selectors import PlateRow
from geo_portal.census.splitting import SplitRules, build_stops, cut, plan_tasks

ROADS = {1: "光復路二段", 2: "東門街"}
VILLAGES = {10: "甲里", 11: "乙里"}
_ids = iter(range(1, 100_000))


def row(number, *, road=1, area="", lane="", alley="", floor=None, sub=None, x=None, y=0.0, village=10,
        checked=None, outside=False) -> PlateRow:  # fmt: skip
    street = (ROADS.get(road, area) if road else area) + (f"{lane}巷" if lane else "") + (f"{alley}弄" if alley else "")
    key = f"{street}{number}{'之' + str(sub) if sub else ''}號{str(floor) + '樓' if floor else ''}"
    return PlateRow(
        id=next(_ids), road_id=road, area=area, lane=lane, alley=alley, number_prefix="", number=number,
        sub_number=sub, number_suffix=None, floor=floor, floor_sub=None, street_key=key, village_id=village,
        last_checked_on=checked, x=float(number * 10 if x is None else x), y=y, outside_village=outside,
    )  # fmt: skip


def labels(tasks):
    return [(t.label, [s.label for s in t.stops]) for t in tasks]


def plan(rows, **kw):
    rules = SplitRules(**{"target_min_stops": 3, "target_max_stops": 5, "fold_max_stops": 2, **kw})
    return plan_tasks(rows, rules=rules, road_names=ROADS, village_names=VILLAGES)


def test_floors_and_units_at_one_point_are_one_stop_door_plate_and_its_floors_first():
    rows = [row(5, floor=3, x=50), row(5, sub=1, x=50), row(5, x=50), row(5, floor=2, x=50), row(7)]
    streets = build_stops(rows)
    [first, second] = streets[(1, "", "", "")]
    assert first.label == "光復路二段5號"
    by_id = {r.id: r.street_key for r in rows}
    assert [by_id[i] for i in first.plate_ids] == [
        "光復路二段5號",
        "光復路二段5號2樓",
        "光復路二段5號3樓",
        "光復路二段5之1號",
    ]
    assert (second.label, second.number) == ("光復路二段7號", 7)


def test_sides_are_never_mixed_and_follow_the_numbers():
    tasks = plan([row(n) for n in (8, 1, 3, 2, 5, 4)])
    assert labels(tasks) == [
        ("光復路二段 單號 1–5", ["光復路二段1號", "光復路二段3號", "光復路二段5號"]),
        ("光復路二段 雙號 2–8", ["光復路二段2號", "光復路二段4號", "光復路二段8號"]),
    ]
    assert [t.side for t in tasks] == ["odd", "even"]


def test_a_short_lane_folds_into_the_side_it_opens_onto_and_a_long_lane_is_its_own_street():
    rows = [row(n) for n in (99, 101, 103)]
    rows += [row(n, lane="101", x=1000 + n) for n in (1, 2)]  # short: 2 entrances, folds into the odd side after 101
    rows += [row(n, lane="20", x=2000 + n) for n in (1, 3, 5)]  # long: 3 entrances > fold_max_stops
    tasks = plan(rows, target_max_stops=10)
    assert labels(tasks) == [
        ("光復路二段 單號 99–103",
         ["光復路二段99號", "光復路二段101號", "光復路二段101巷1號", "光復路二段101巷2號", "光復路二段103號"]),
        ("光復路二段20巷 單號 1–5", ["光復路二段20巷1號", "光復路二段20巷3號", "光復路二段20巷5號"]),
    ]  # fmt: skip


def test_a_short_alley_folds_into_its_lane_and_the_lane_into_the_road():
    rows = [row(1), row(3), row(2, lane="4", x=500), row(1, lane="4", alley="6", x=600)]
    tasks = plan(rows, fold_max_stops=2)
    assert labels(tasks) == [
        ("光復路二段 單號 1–3", ["光復路二段1號", "光復路二段3號"]),
        ("光復路二段 雙號 4巷2號–4巷6弄1號", ["光復路二段4巷2號", "光復路二段4巷6弄1號"]),
    ]


def test_a_side_is_cut_into_even_tasks_and_a_folded_lane_is_never_cut():
    assert [len(c) for c in cut([[i] for i in range(17)], target_min=3, target_max=5)] == [5, 4, 4, 4]
    assert [len(c) for c in cut([[i] for i in range(5)], target_min=3, target_max=5)] == [5]
    assert [len(c) for c in cut([[1], [2]], target_min=3, target_max=5)] == [2]
    items = [[1], [2], [3], [4, 5, 6], [7]]
    assert cut(items, target_min=2, target_max=4) == [[1, 2, 3], [4, 5, 6, 7]]
    tasks = plan([row(n) for n in range(1, 35, 2)])
    assert [(t.first_number, t.last_number, len(t.stops)) for t in tasks] == [
        (1, 9, 5),
        (11, 17, 4),
        (19, 25, 4),
        (27, 33, 4),
    ]


def test_area_names_group_by_village():
    rows = [row(n, road=None, area="關東橋", village=v) for n, v in ((3, 11), (1, 10), (2, 10))]
    tasks = plan(rows)
    assert labels(tasks) == [
        ("甲里 關東橋 1–2", ["關東橋1號", "關東橋2號"]),
        ("乙里 關東橋 3–3", ["關東橋3號"]),
    ]
    assert [(t.side, t.area_name, t.road_id, t.village_id) for t in tasks] == [
        ("area", "關東橋", None, 10),
        ("area", "關東橋", None, 11),
    ]


def test_hints_gaps_reports_buildings_outside_village_never_checked():
    day = dt.date(2026, 1, 5)
    rows = [row(1, checked=day), row(3, checked=day), row(9, checked=day, outside=True), row(41, checked=day)]
    reported = rows[0].id
    tasks = plan_tasks(
        rows,
        rules=SplitRules(target_min_stops=3, target_max_stops=5, fold_max_stops=2),
        road_names=ROADS,
        village_names=VILLAGES,
        reports=[("missing", reported, 10.0, 0.0), ("no_plate", None, 95.0, 20.0), ("damaged", None, 900.0, 500.0)],
        unplated_buildings=[(77, 405.0, 30.0)],
    )
    hints = {s.label: s.hints for t in tasks for s in t.stops}
    assert hints == {
        "光復路二段1號": [{"kind": "report", "report_kind": "missing"}],
        # 3 → 9: 5 and 7 are missing; 9 → 41 is 15 numbers: undeveloped land, no hint.
        "光復路二段3號": [{"kind": "gap_after", "missing": [5, 7], "next": 9}],
        "光復路二段9號": [{"kind": "outside_village", "plate": rows[2].id}, {"kind": "report", "report_kind": "no_plate"}],
        "光復路二段41號": [{"kind": "building_without_plate", "building": 77, "x": 405.0, "y": 30.0}],
    }
    never = plan([row(1), row(3, checked=day)])
    assert [s.hints for s in never[0].stops] == [[{"kind": "never_checked"}], []]


def test_scope_not_checked_since_and_hints_only():
    old, new = dt.date(2020, 1, 1), dt.date(2026, 1, 1)
    rows = [row(1, checked=new), row(3, checked=old), row(5), row(7, checked=new, outside=True)]
    since = plan(rows, scope="not_checked_since", not_checked_since=dt.date(2025, 1, 1))
    assert labels(since) == [("光復路二段 單號 3–5", ["光復路二段3號", "光復路二段5號"])]
    hinted = plan(rows, scope="hints_only")
    assert labels(hinted) == [("光復路二段 單號 7–7", ["光復路二段7號"])]


def test_task_outline_buffers_the_walking_line():
    [task] = plan([row(1, x=0), row(3, x=100)])
    assert task.outline.geom_type == "Polygon"
    assert round(task.outline.area) == round(100 * 30 + 3.0614674589207183 * 15 * 15)
