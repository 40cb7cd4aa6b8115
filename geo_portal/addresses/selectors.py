"""Door-plate reads shared by the admin and the search services."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet

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
