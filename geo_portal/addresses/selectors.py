"""Door-plate reads shared by the admin, the search services and the census splitter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from django.contrib.gis.db.models.functions import GeometryDistance, Transform
from django.contrib.gis.geos import MultiPolygon
from django.contrib.gis.measure import D
from django.db.models import BooleanField, F, FloatField, Func, Q, QuerySet

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.parsing import Address, parse
from geo_portal.areas.models import Road


def filter_by_components(
    qs: QuerySet[DoorPlate], addr: Address, *, roads: Sequence[Road] | None = None, any_floor: bool = False
) -> QuerySet[DoorPlate]:
    """Plates of ``qs`` with the address components of ``addr`` (uses the (road, number) index).

    ``roads``: the road rows already resolved by the caller, or None to match the road by its name. Without a
    floor in ``addr`` only entrance plates match, unless ``any_floor`` (then the entrance's units match too).
    """
    qs = qs.filter(
        area=addr.area,
        lane=addr.lane,
        alley=addr.alley,
        number_prefix=addr.number_prefix,
        number=addr.number,
        sub_number=addr.sub_number,
        number_suffix=addr.number_suffix,
    )
    if roads is not None:
        qs = qs.filter(road__in=roads) if roads else qs.filter(road__isnull=True)
    else:
        qs = qs.filter(road__name=addr.road_section) if addr.road else qs.filter(road__isnull=True)
    if addr.floor is not None:
        qs = qs.filter(floor=addr.floor, floor_unit=addr.floor_unit, floor_sub=addr.floor_sub)
    elif not any_floor:
        qs = qs.filter(floor__isnull=True)
    if addr.neighborhood is not None:
        qs = qs.filter(neighborhood__number=addr.neighborhood)
    return qs


def plates_matching_text(text: str, queryset: QuerySet[DoorPlate] | None = None) -> QuerySet[DoorPlate] | None:
    """Plates matching ``text`` written in any form the parser accepts (the admin's search box).

    Returns None when the text does not parse as an address with a number (the caller falls back to other
    searches). Without a floor, the entrance's floor units are included (some buildings have no bare N號).
    """
    result = parse(text)
    addr = result.address
    if addr is None or addr.number is None or result.problems:
        return None
    qs = filter_by_components(queryset if queryset is not None else DoorPlate.objects.all(), addr, any_floor=True)
    return qs.filter(district__name=addr.district) if addr.district else qs


class PlateRow(NamedTuple):
    """An active plate as the census splitter needs it (point in EPSG:3826)."""

    id: int
    road_id: int | None
    area: str
    lane: str
    alley: str
    number_prefix: str
    number: int
    sub_number: int | None
    number_suffix: int | None
    floor: int | None
    floor_sub: int | None
    street_key: str
    village_id: int | None
    last_checked_on: dt.date | None
    x: float
    y: float
    # The point lies outside the village the plate is registered in (False when it has no village).
    outside_village: bool


def active_plate_rows(
    *, district_id: int, area: MultiPolygon | None = None, village_ids: Sequence[int] | None = None
) -> list[PlateRow]:
    """Active plates of the district registered in one of ``village_ids`` (or, without a village, lying in
    ``area``), or all whose point lies in ``area`` when no villages are given; unordered, one query."""
    plates = DoorPlate.objects.active().filter(district_id=district_id)
    if village_ids is not None:
        # By registration, not by point: a plate whose point strays outside its village is still its village's.
        where = Q(village_id__in=list(village_ids))
        if area is not None:
            where |= Q(village__isnull=True, geom__coveredby=area)
        plates = plates.filter(where)
    elif area is not None:
        plates = plates.filter(geom__coveredby=area)
    rows = (
        plates.annotate(x=Func("geom", function="ST_X", output_field=FloatField()))
        .annotate(y=Func("geom", function="ST_Y", output_field=FloatField()))
        .annotate(inside=Func(F("village__boundary"), F("geom"), function="ST_Covers", output_field=BooleanField()))
        .values_list(
            "id",
            "road_id",
            "area",
            "lane",
            "alley",
            "number_prefix",
            "number",
            "sub_number",
            "number_suffix",
            "floor",
            "floor_sub",
            "street_key",
            "village_id",
            "last_checked_on",
            "x",
            "y",
            "inside",
        )
        .order_by()
    )
    # inside is NULL for a plate without a village: not counted as outside.
    return [PlateRow(*row[:-1], row[-1] is False) for row in rows]


class PlateCondition(NamedTuple):
    """A plate's physical condition as the public may see it (from the last census or staff check)."""

    condition: str
    label: str
    last_checked_on: dt.date | None


def plate_condition(plate_id: int) -> PlateCondition | None:
    """The condition of an active plate and when it was last checked (None for an unknown plate)."""
    row = DoorPlate.objects.active().filter(pk=plate_id).values_list("condition", "last_checked_on").first()
    if row is None:
        return None
    return PlateCondition(row[0], str(DoorPlate.Condition(row[0]).label), row[1])


class Neighbour(NamedTuple):
    """An entrance near a plate (floors and 之 units share it): its plate id, house number and WGS84 position."""

    plate_id: int
    label: str
    lat: float
    lon: float


def neighbouring_entrances(*, plate: DoorPlate, radius_m: float = 60, limit: int = 60) -> list[Neighbour]:
    """Active entrances within ``radius_m`` of a plate, nearest first, without the plate's own (the admin's map).

    One per position: the unit with the lowest floor (the entrance itself where it exists) names it.
    """
    rows = (
        DoorPlate.objects.active()
        .filter(geom__dwithin=(plate.geom, D(m=radius_m)))
        .exclude(geom=plate.geom)
        .annotate(wgs=Transform("geom", 4326))
        .order_by(GeometryDistance("geom", plate.geom), F("floor").asc(nulls_first=True), "pk")
        .values_list("pk", "number_prefix", "number", "sub_number", "number_suffix", "wgs")[: limit * 4]
    )
    seen, out = set(), []
    for pk, prefix, number, sub, suffix, wgs in rows:
        key = (round(wgs.x, 7), round(wgs.y, 7))
        if key in seen:
            continue
        seen.add(key)
        label = f"{prefix}{number}" + (f"之{sub}" if sub is not None else "") + "號"
        label += f"之{suffix}" if suffix is not None else ""
        out.append(Neighbour(pk, label, round(wgs.y, 7), round(wgs.x, 7)))
        if len(out) == limit:
            break
    return out
