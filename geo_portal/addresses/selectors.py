"""Door-plate reads shared by the admin and (later) the search API."""

from __future__ import annotations

from django.db.models import QuerySet

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.parsing import parse


def plates_matching_text(text: str, queryset: QuerySet[DoorPlate] | None = None) -> QuerySet[DoorPlate] | None:
    """Plates matching ``text`` written in any form the parser accepts, using the (road, number) index.

    Returns None when the text does not parse as an address with a number (the caller falls back to other
    searches). Without a floor, the entrance's floor units are included (some buildings have no bare N號).
    """
    result = parse(text)
    addr = result.address
    if addr is None or addr.number is None or result.problems:
        return None
    qs = queryset if queryset is not None else DoorPlate.objects.all()
    qs = qs.filter(
        area=addr.area,
        lane=addr.lane,
        alley=addr.alley,
        number_prefix=addr.number_prefix,
        number=addr.number,
        sub_number=addr.sub_number,
        number_suffix=addr.number_suffix,
    )
    qs = qs.filter(road__name=addr.road_section) if addr.road else qs.filter(road__isnull=True)
    if addr.floor is not None:
        qs = qs.filter(floor=addr.floor, floor_unit=addr.floor_unit, floor_sub=addr.floor_sub)
    if addr.district:
        qs = qs.filter(district__name=addr.district)
    if addr.neighborhood is not None:
        qs = qs.filter(neighborhood__number=addr.neighborhood)
    return qs
