"""The drafting rules, pure: walking order along the street, sides kept apart, 之 numbers, lanes, villages."""

from __future__ import annotations

import pytest

from geo_portal.renumbering.rules import (
    OldPlate,
    RuleRefused,
    add_sub_numbers,
    move_area,
    promote_lane,
    rename_road,
    renumber,
    walking_sequence,
)


def plate(pk, number, x, *, y=None, sub=None, floor=None, lane="", alley="", road="光復路二段") -> OldPlate:
    return OldPlate(
        id=pk,
        version=1,
        address=f"{road}{number}號",
        road_name=road,
        area="",
        lane=lane,
        alley=alley,
        number_prefix="",
        number=number,
        sub_number=sub,
        number_suffix=None,
        floor=floor,
        floor_unit="",
        floor_sub=None,
        village_id=7,
        neighborhood=3,
        x=float(x),
        y=float(y if y is not None else (10 if number % 2 else -10)),
    )


# 9 stands between 3 and 5; 5 has a second floor; the even side runs the other way round in space.
STREET = [
    plate(1, 1, 0),
    plate(2, 3, 20),
    plate(3, 9, 30),
    plate(4, 5, 40),
    plate(5, 5, 40, floor=2),
    plate(6, 7, 60),
    plate(7, 2, 10),
    plate(8, 4, 35),
    plate(9, 6, 50),
    plate(10, 8, 70, sub=1),
]


def numbers(pairs) -> list[tuple[int, str]]:
    return [
        (
            old.id,
            f"{new.number}" + (f"之{new.sub_number}" if new.sub_number else "") + (f"/{new.floor}F" if new.floor else ""),
        )
        for old, new in pairs
    ]


def test_renumber_walks_each_side_along_the_street_and_keeps_floors_behind_their_entrance():
    pairs = renumber(STREET, first_odd=1, first_even=2)
    assert numbers(pairs) == [
        (1, "1"),
        (2, "3"),
        (3, "5"),
        (4, "7"),
        (5, "7/2F"),
        (6, "9"),
        (7, "2"),
        (8, "4"),
        (9, "6"),
        (10, "8之1"),
    ]


def test_the_walking_direction_follows_the_old_numbers_not_the_coordinates():
    mirrored = [plate(p.id, p.number, -p.x, sub=p.sub_number, floor=p.floor) for p in STREET]
    assert numbers(renumber(mirrored, first_odd=11, first_even=20))[:6] == [
        (1, "11"),
        (2, "13"),
        (3, "15"),
        (4, "17"),
        (5, "17/2F"),
        (6, "19"),
    ]


def test_removing_sub_numbers_gives_the_entrance_a_number_of_its_own():
    even = [p for p in STREET if p.number % 2 == 0]
    pairs = renumber(even, first_odd=None, first_even=2, drop_sub_numbers=True)
    assert numbers(pairs) == [(7, "2"), (8, "4"), (9, "6"), (10, "8")]


def test_adding_sub_numbers_along_the_walk():
    chosen = [STREET[2], STREET[5]]  # 9 at 30 m and 7 at 60 m: walked the way their old numbers grow, 7 first
    assert numbers(add_sub_numbers(chosen, base=5)) == [(6, "5之1"), (3, "5之2")]


def test_renumber_refuses_a_first_number_of_the_wrong_parity_and_a_missing_side():
    with pytest.raises(RuleRefused) as refused:
        renumber(STREET, first_odd=2, first_even=3)
    assert refused.value.errors == {
        "first_odd": ["must be an odd number of at least 1 (got 2)"],
        "first_even": ["must be an even number of at least 1 (got 3)"],
    }
    with pytest.raises(RuleRefused) as refused:
        renumber(STREET, first_odd=1, first_even=None)
    assert refused.value.errors == {"first_even": ["give the first even number: the plan has even numbers"]}


def test_plates_of_two_streets_are_refused():
    with pytest.raises(RuleRefused) as refused:
        renumber([STREET[0], plate(11, 3, 5, lane="12")], first_odd=1, first_even=None)
    assert refused.value.errors == {"plates": ["choose the plates of one street (road, lane or alley); got 2"]}


def test_rename_promote_and_move():
    [(_old, new)] = rename_road([STREET[0]], new_road_name="建功路二段")
    assert (new.road_name, new.number, new.neighborhood) == ("建功路二段", 1, 3)
    lane = [plate(20, 3, 0, lane="12", alley="4"), plate(21, 5, 5, lane="12"), plate(22, 7, 9, lane="14")]
    promoted = promote_lane(lane, lane="12", new_road_name="新興路")
    assert [(o.id, n.road_name, n.lane, n.alley, n.number) for o, n in promoted] == [
        (20, "新興路", "4", "", 3),
        (21, "新興路", "", "", 5),
    ]
    moved = move_area(STREET[:2], village_id=None, neighborhood=9)
    assert [(n.village_id, n.neighborhood) for _o, n in moved] == [(7, 9), (7, 9)]
    with pytest.raises(RuleRefused):
        move_area(STREET[:2], village_id=None, neighborhood=None)


def test_walking_sequence_goes_up_the_odd_side_and_back_down_the_even_side():
    pairs = renumber(STREET, first_odd=1, first_even=2)
    assert [o.id for o, _n in walking_sequence(pairs)] == [1, 2, 3, 4, 5, 6, 10, 9, 8, 7]
