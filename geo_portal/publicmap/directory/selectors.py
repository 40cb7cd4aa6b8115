"""Reads for the directory pages: ``road_page(road_id)`` and ``entrance_page(plate_id)`` (None when unknown).

Public fields only (addresses, numbers, zip codes, villages, positions, building names and outlines); personal data
does not exist in these tables. Called by ``directory.views``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections
from django.db.models import F

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.parsing import Address
from geo_portal.addresses.search import english_address
from geo_portal.addresses.zipcodes.selectors import zip_prefix_fallback
from geo_portal.areas.models import Road
from geo_portal.buildings.models import Building
from geo_portal.buildings.selectors import outline_geojson
from geo_portal.core.geo import STORAGE_SRID, WGS84_SRID, transformer
from geo_portal.publicmap.directory import sql

MAX_MAP_POINTS = 5_000  # entrance positions drawn on a road's map (the longest real road has ~1,900)
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class Side:
    """The numbers on one side (odd or even) of a road part: lowest, highest, and how many entrances."""

    low: int
    high: int
    entrances: int


@dataclass(frozen=True)
class RoadPart:
    """The road itself, one of its lanes (巷) or alleys (弄), or a named area on it, with its numbers per side."""

    area: str
    lane: str
    alley: str
    odd: Side | None
    even: Side | None
    plates: int
    first_plate_id: int  # the part's lowest plate (its entrance page)

    @property
    def label(self) -> str:
        return self.area + (f"{self.lane}巷" if self.lane else "") + (f"{self.alley}弄" if self.alley else "")

    @property
    def label_en(self) -> str:
        return ", ".join(
            p for p in (f"Aly. {self.alley}" if self.alley else "", f"Ln. {self.lane}" if self.lane else "") if p
        )


@dataclass(frozen=True)
class ZipShare:
    """One zip code of a road: how many plates have it and which numbers on the road itself it covers per side."""

    zip_code: str  # '' for the plates no 3+3 rule covers
    plates: int
    odd: tuple[int, int] | None
    even: tuple[int, int] | None
    lanes: int


@dataclass(frozen=True)
class RoadPageData:
    road_id: int
    name: str
    name_en: str
    name_en_is_pinyin: bool
    district: str
    district_en: str
    main: RoadPart | None  # numbers on the road itself (None when every plate is in a lane)
    areas: list[RoadPart]  # named areas on the road (清大東院), their own numbers
    lanes: list[RoadPart]  # lanes and alleys, in number order
    zip_codes: list[ZipShare]
    zip_partial: str  # the 3 digits the rules give the plates without a code
    villages: list[tuple[str, str, int]]  # (name, English name, plates)
    plates: int
    bbox: tuple[float, float, float, float] | None  # min lon, min lat, max lon, max lat
    points: list[tuple[float, float, int, str]] = field(default_factory=list)  # lat, lon, plate id, house number


def _natural(text: str) -> tuple:
    """298 before 1001, 5之1 after 5: lanes sort by their numbers, not as text."""
    return tuple(int(p) if p.isdigit() else p for p in _DIGITS.split(text))


def _side(low, high, count) -> Side | None:
    return Side(low, high, count) if low is not None else None


def road_page(road_id: int) -> RoadPageData | None:
    """A road's page, or None when no road has that id or it has no active plate."""
    road = Road.objects.using(settings.SEARCH_DB).select_related("district__county").filter(pk=road_id).first()
    if road is None:
        return None
    params = {"road": road_id, "limit": MAX_MAP_POINTS}
    with connections[settings.SEARCH_DB].cursor() as cur:
        cur.execute(sql.ROAD_PARTS, params)
        parts = [
            RoadPart(area, lane, alley, _side(o1, o2, on), _side(e1, e2, en), plates, first)
            for area, lane, alley, o1, o2, on, e1, e2, en, plates, first in cur.fetchall()
        ]
        if not parts:
            return None
        cur.execute(sql.ROAD_ZIPS, params)
        zips = [
            ZipShare(code, n, (o1, o2) if o1 is not None else None, (e1, e2) if e1 is not None else None, lanes)
            for code, n, o1, o2, e1, e2, lanes in cur.fetchall()
        ]
        cur.execute(sql.ROAD_VILLAGES, params)
        villages = [(name, name_en or "", n) for name, name_en, n in cur.fetchall()]
        cur.execute(sql.ROAD_POINTS, params)
        points = [(float(lat), float(lon), pk, label) for lat, lon, pk, label in cur.fetchall()]
        cur.execute(sql.ROAD_EXTENT, params)
        extent = cur.fetchone()
    district = road.district
    partial = ""
    if any(z.zip_code == "" for z in zips):
        partial = zip_prefix_fallback(county=district.county.name, district=district.name, road=road.name)
    ordered = sorted(parts, key=lambda p: (p.area, _natural(p.lane), _natural(p.alley)))
    return RoadPageData(
        road_id=road.pk,
        name=road.name,
        name_en=road.name_en,
        name_en_is_pinyin=road.name_en_source == "pinyin",
        district=district.county.name + district.name,
        district_en=", ".join(p for p in (district.name_en, district.county.name_en) if p),
        main=next((p for p in ordered if not (p.area or p.lane or p.alley)), None),
        areas=[p for p in ordered if p.area and not (p.lane or p.alley)],
        lanes=[p for p in ordered if p.lane or p.alley],
        zip_codes=zips,
        zip_partial=partial,
        villages=villages,
        plates=sum(p.plates for p in parts),
        bbox=tuple(round(v, 6) for v in extent) if extent and extent[0] is not None else None,  # type: ignore[arg-type]
        points=points,
    )


@dataclass(frozen=True)
class Unit:
    """One registered plate under an entrance: its address, the unit part (5樓之2) and where it is registered."""

    plate_id: int
    address: str
    unit: str  # 5樓之2, 地下1層; '' for the entrance plate itself
    unit_en: str  # 5F.-2, B1
    zip_code: str
    village: str
    neighborhood: int | None


@dataclass(frozen=True)
class EntranceGroup:
    """The units of one house number form (101號, 101之1號, 101號之1): the entrance plate first, then by floor."""

    number: str  # 101之1號
    number_en: str  # No. 101-1
    units: list[Unit]


@dataclass(frozen=True)
class EntrancePageData:
    plate_id: int
    entrance: str  # the street address without floor: 新竹市東區光復路二段101號
    entrance_en: str
    road_id: int | None
    road: str
    lat: float
    lon: float
    groups: list[EntranceGroup]
    units: int
    building_id: int | None
    building_name: str
    building_floors: int | None
    building_outline: dict | None


def _number(plate: DoorPlate) -> tuple[str, str]:
    zh = f"{plate.number_prefix}{plate.number}" + (f"之{plate.sub_number}" if plate.sub_number is not None else "")
    zh += "號" + (f"之{plate.number_suffix}" if plate.number_suffix is not None else "")
    subs = [s for s in (plate.sub_number, plate.number_suffix) if s is not None]
    en = "No. " + "-".join(str(n) for n in (f"{plate.number_prefix}{plate.number}", *subs))
    return zh, en


def _unit(plate: DoorPlate) -> tuple[str, str]:
    if plate.floor is None:
        return "", ""
    if plate.floor_unit == "室":
        zh, en = "地下室", "Basement"
    elif plate.floor > 0:
        zh, en = f"{plate.floor}{plate.floor_unit or '樓'}", f"{plate.floor}F."
    else:
        zh, en = f"地下{-plate.floor}{plate.floor_unit or '樓'}", f"B{-plate.floor}"
    if plate.floor_sub is not None:
        zh, en = f"{zh}之{plate.floor_sub}", f"{en}-{plate.floor_sub}"
    return zh, en


def _render(plate: DoorPlate) -> str:
    """The canonical address of a plate's components (an entrance that has only floor plates has no plate of its own)."""
    return Address(
        county=plate.district.county.name,
        district=plate.district.name,
        road=plate.road.base_name if plate.road_id else "",
        section=plate.road.section if plate.road_id else None,
        area=plate.area,
        lane=plate.lane,
        alley=plate.alley,
        number_prefix=plate.number_prefix,
        number=plate.number,
        sub_number=plate.sub_number,
        number_suffix=plate.number_suffix,
    ).render()


def entrance_page(plate_id: int) -> EntrancePageData | None:
    """Every active unit under the entrance of an active plate (its floors, and the 之 numbers of its number)."""
    active = DoorPlate.objects.using(settings.SEARCH_DB).active()
    plate = active.select_related("road", "district__county").filter(pk=plate_id).first()
    if plate is None:
        return None
    units = list(
        active.filter(
            district_id=plate.district_id,
            road_id=plate.road_id,
            area=plate.area,
            lane=plate.lane,
            alley=plate.alley,
            number_prefix=plate.number_prefix,
            number=plate.number,
        )
        .select_related("village", "neighborhood", "road", "district__county")
        .order_by(
            F("sub_number").asc(nulls_first=True),
            F("number_suffix").asc(nulls_first=True),
            F("floor").asc(nulls_first=True),
            "floor_unit",
            F("floor_sub").asc(nulls_first=True),
            "address_key",
            "pk",
        )
    )
    groups: dict[tuple, EntranceGroup] = {}
    for unit in units:
        key = (unit.sub_number, unit.number_suffix)
        if key not in groups:
            zh, en = _number(unit)
            groups[key] = EntranceGroup(zh, en, [])
        zh, en = _unit(unit)
        groups[key].units.append(
            Unit(
                plate_id=unit.pk,
                address=unit.address,
                unit=zh,
                unit_en=en,
                zip_code=unit.zip_code,
                village=unit.village.name if unit.village_id else "",
                neighborhood=unit.neighborhood.number if unit.neighborhood_id else None,
            )
        )
    own = next(u for u in units if u.pk == plate.pk)
    entrance = next((u for u in units if u.floor is None and u.sub_number == own.sub_number), None)
    lon, lat = transformer(STORAGE_SRID, WGS84_SRID).transform(plate.geom.x, plate.geom.y)
    building = Building.objects.using(settings.SEARCH_DB).filter(plate_links__plate_id=plate.pk).first()
    bare = copy.copy(own)
    bare.floor, bare.floor_unit, bare.floor_sub = None, "", None
    return EntrancePageData(
        plate_id=plate.pk,
        entrance=entrance.address if entrance else _render(bare),
        entrance_en=english_address(bare),
        road_id=plate.road_id,
        road=plate.road.name if plate.road_id else plate.area,
        lat=round(lat, 6),
        lon=round(lon, 6),
        groups=list(groups.values()),
        units=len(units),
        building_id=building.pk if building else None,
        building_name=building.name if building else "",
        building_floors=building.floors if building else None,
        building_outline=outline_geojson(building.pk) if building else None,
    )
