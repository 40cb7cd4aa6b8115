"""The functions areas declares for the door-plate importer: they add only what is missing and say how much."""

from __future__ import annotations

from django.db import connection

from geo_portal.areas.models import Neighborhood, Road, RoadAlias


def call(function: str, *args) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}({', '.join(['%s'] * len(args))})", args)
        return cursor.fetchone()[0]


def test_roads_aliases_and_neighborhoods_are_added_once(areas):
    d = areas["district"].pk
    names = ["光復路二段", "福德街"]
    assert call("areas_add_roads", [d, d], names, ["光復路", "福德街"], [2, None]) == 2
    assert call("areas_add_roads", [d, d], ["福德街", "民族路"], ["福德街", "民族路"], [None, None]) == 1
    assert call("areas_add_roads", [], [], [], []) == 0 and call("areas_add_roads", None, None, None, None) == 0
    assert list(Road.objects.order_by("id").values_list("name", "base_name", "section", "name_en")) == [
        ("光復路二段", "光復路", 2, ""),
        ("福德街", "福德街", None, ""),
        ("民族路", "民族路", None, ""),
    ]
    # An alias of a road that does not exist is skipped; a known one is kept as it is.
    roads, aliases = ["福德街", "福德街", "中山路"], ["褔德街", "褔德街", "中山路"]
    assert call("areas_add_road_aliases", [d, d, d], roads, aliases, "variant") == 1
    assert call("areas_add_road_aliases", [d], ["福德街"], ["褔德街"], "variant") == 0
    assert list(RoadAlias.objects.values_list("road__name", "alias", "kind")) == [("福德街", "褔德街", "variant")]
    a, b = areas["a"].pk, areas["b"].pk
    assert call("areas_add_neighborhoods", [a, a, b], [3, 1, 1]) == 3
    assert call("areas_add_neighborhoods", [a, b], [3, 2]) == 1
    assert sorted(Neighborhood.objects.values_list("village__name", "number")) == [
        ("乙里", 1), ("乙里", 2), ("甲里", 1), ("甲里", 3)
    ]  # fmt: skip
