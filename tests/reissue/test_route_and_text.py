"""The order's walking route (pure) and the exact text of each plate kind."""

from __future__ import annotations

import pytest

from geo_portal.addresses.plates import Components, plate_create
from geo_portal.reissue.plate_text import plate_text
from geo_portal.reissue.route import Stop, walking_order
from tests.census.conftest import along


def test_each_street_up_the_odd_side_and_back_down_the_even_side():
    stops = [
        Stop(1, "光復路二段", 8, 180, 0),
        Stop(2, "光復路二段", 3, 130, 10),
        Stop(3, "光復路二段", 2, 120, 0),
        Stop(4, "光復路二段", 7, 170, 10),
        Stop(5, "光復路二段", 3, 130, 10),  # a second plate at the same number: by key
    ]
    (group,) = walking_order(stops)
    assert (group.street, [s.key for s in group.stops]) == ("光復路二段", [2, 5, 4, 1, 3])


def test_streets_follow_by_nearest_neighbour_from_the_office():
    stops = [
        Stop(1, "A路", 1, 0, 0),
        Stop(2, "A路", 3, 100, 0),
        Stop(3, "C路", 1, 1000, 0),
        Stop(4, "B路", 1, 120, 50),
        Stop(5, "B路", 2, 300, 40),
    ]
    assert [g.street for g in walking_order(stops)] == ["A路", "B路", "C路"]  # from the south-west without an office
    assert [g.street for g in walking_order(stops, start=(990, 0))] == ["C路", "B路", "A路"]
    assert walking_order([]) == []


@pytest.mark.django_db
def test_the_text_of_door_floor_and_lane_plates(street):
    plate = plate_create(
        district=street["district"],
        components=Components(number=12, road=street["road"], lane="298", alley="7", number_suffix=1, floor=4, floor_sub=2),
        point=along(12),
        actor="import",
    ).plate
    door = plate_text(plate, "standard")
    assert (door.header, door.street, door.number, door.floor) == ("新竹市東區", "光復路二段298巷7弄", "12號之1四樓之2", "")
    assert door.full == "光復路二段298巷7弄12號之1四樓之2"
    floor = plate_text(plate, "floor")
    assert floor.lines == ["新竹市東區", "光復路二段298巷7弄", "12號之1", "四樓之2"]
    assert plate_text(plate, "lane_sign").lines == ["新竹市東區", "光復路二段298巷7弄"]
    assert plate_text(street["plates"][7], "standard").lines == ["新竹市東區", "光復路二段", "7號"]
