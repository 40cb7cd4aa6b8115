"""The exact text a plate maker puts on a plate, in the official style: the city and district on the top line,
the street (road and section, lane, alley) and the number below, the floor on a floor or unit plate — Chinese,
as registered. Built from the plate's components through the address parser's canonical form (pure given a plate;
called by ``services.production`` when a case is ordered)."""

from __future__ import annotations

from dataclasses import dataclass

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.plates import Components


@dataclass(frozen=True)
class PlateText:
    header: str  # 新竹市東區
    street: str  # 光復路二段298巷7弄
    number: str  # 13號, 13之1號, 附13號 (with the floor on a door plate of a unit)
    floor: str  # 4樓之2 on a floor or unit plate, else ""
    full: str  # what the plate carries below the header, in one line

    @property
    def lines(self) -> list[str]:
        return [line for line in (self.header, self.street, self.number, self.floor) if line]


def plate_text(plate: DoorPlate, kind: str) -> PlateText:
    """The text of ``plate`` made as ``kind`` (standard door plate, floor/unit plate, or lane/alley sign)."""
    address = Components.of(plate).as_address()
    street = address.place + (f"{address.lane}巷" if address.lane else "") + (f"{address.alley}弄" if address.alley else "")
    header = plate.district.county.name + plate.district.name
    if kind == "lane_sign":
        return PlateText(header=header, street=street, number="", floor="", full=street)
    base = address.base().number_part()
    if kind == "floor":
        floor = address.number_part()[len(base) :]
        return PlateText(header=header, street=street, number=base, floor=floor, full=street + base + floor)
    number = address.number_part()
    return PlateText(header=header, street=street, number=number, floor="", full=street + number)
