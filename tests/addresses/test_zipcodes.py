"""The 3+3 rule language and the choice of the most specific rule."""

from __future__ import annotations

import pytest

from geo_portal.addresses.zipcodes import find_zip, parse_scope


@pytest.mark.parametrize(
    ("scope", "fields"),
    [
        ("全", (None, None, "all", None, None, False)),
        ("單全", (None, None, "odd", None, None, False)),
        ("雙 270號至 590號", (None, None, "even", (270, 0), (590, 0), False)),
        ("單  87號以下", (None, None, "odd", None, (87, 0), False)),
        ("雙 N號以上".replace("N", "12"), (None, None, "even", (12, 0), None, False)),
        ("連  15號以下", (None, None, "all", None, (15, 0), False)),
        ("\u3000 268巷全", ("268", None, "all", None, None, False)),
        ("\u3000 101號", (None, None, "all", (101, 0), (101, 0), True)),
        ("\u3000  90之   2號", (None, None, "all", (90, 2), (90, 2), True)),
        ("雙  90之   1號以下", (None, None, "even", None, (90, 1), False)),
        ("\u3000  22巷單  19弄以下", ("22", None, "odd", None, (19, 0), False)),
        ("\u3000  22巷  21弄連   5號以下", ("22", 21, "all", None, (5, 0), False)),
        ("單 101號至 103之   2號", (None, None, "odd", (101, 0), (103, 2), False)),
        ("連   1之   1號至之   3號", (None, None, "all", (1, 1), (1, 3), False)),
        ("單１０１號以上含附號", (None, None, "odd", (101, 0), None, False)),
    ],
)
def test_scope_language(scope, fields):
    r = parse_scope("300049", "光復路１段", scope)
    assert (r.lane, r.alley, r.side, r.low, r.high, r.point) == fields
    assert (r.zip_code, r.road) == ("300049", "光復路１段".replace("１", "1"))


def test_floor_scopes():
    r = parse_scope("110208", "信義路五段", "\u3000   7號  30樓以上")
    assert (r.low, r.floor_low, r.floor_high) == ((7, 0), 30, None)
    assert parse_scope("1", "x", "雙 2號至 8號 地下1樓至5樓").floor_low == -1


@pytest.mark.parametrize("scope", ["", "單", "半全", "雙 590號至 270號", "第3號"])
def test_unreadable_scopes_are_named(scope):
    with pytest.raises(ValueError, match=r"cannot read delivery scope|range runs backwards"):
        parse_scope("300049", "光復路一段", scope)


RULES = [
    parse_scope("300001", "大學路", "單 999號以下", 1),
    parse_scope("300002", "大學路", "\u3000 1001號", 2),
    parse_scope("300003", "大學路", "雙全", 3),
    parse_scope("300004", "大學路", "\u3000 268巷全", 4),
    parse_scope("300005", "大學路", "\u3000 268巷單  19弄以下", 5),
    parse_scope("300006", "大學路", "單1003號至1231號", 6),
]


@pytest.mark.parametrize(
    ("lane", "alley", "number", "sub", "zip_code"),
    [
        ("", "", 85, None, "300001"),  # odd, ≤ 999
        ("", "", 1001, None, "300002"),  # a point beats the range
        ("", "", 1001, 2, "300002"),  # 1001之2 belongs to 1001
        ("", "", 1003, None, "300006"),
        ("", "", 1233, None, None),  # past every odd rule
        ("", "", 86, None, "300003"),  # even side
        ("85", "", 3, None, "300001"),  # in lane 85: the lane's position (odd 85) counts on the road
        ("268", "", 40, None, "300004"),  # lane scope beats road rules
        ("268", "17", 4, None, "300005"),  # alley 17 is odd and ≤ 19 inside lane 268
        ("268", "20", 4, None, "300004"),
    ],
)
def test_most_specific_rule_wins(lane, alley, number, sub, zip_code):
    rule = find_zip(RULES, lane=lane, alley=alley, number=number, sub_number=sub)
    assert (rule.zip_code if rule else None) == zip_code
