"""Reads of renumbering: the plates a rule starts from, plans and their items, the roads to choose from, and the
plates of a road as GeoJSON for the drafting map. Called by the services, views, printing and the bench."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from django.contrib.gis.db.models.functions import Transform
from django.db.models import Count, FloatField, Func, QuerySet

from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import Road
from geo_portal.renumbering.models import Plan, PlanItem
from geo_portal.renumbering.rules import NewAddress, OldPlate

_FIELDS = (
    "id",
    "version",
    "address",
    "road__name",
    "area",
    "lane",
    "alley",
    "number_prefix",
    "number",
    "sub_number",
    "number_suffix",
    "floor",
    "floor_unit",
    "floor_sub",
    "village_id",
    "neighborhood__number",
    "x",
    "y",
)


def old_plates(
    *, district_id: int, road_id: int | None = None, plate_ids: Sequence[int] | None = None, lane: str | None = None
) -> list[OldPlate]:
    """Active plates of the district: of a road (and lane), and/or with the given ids; in id order."""
    plates = DoorPlate.objects.active().filter(district_id=district_id)
    if road_id is not None:
        plates = plates.filter(road_id=road_id)
    if lane is not None:
        plates = plates.filter(lane=lane)
    if plate_ids is not None:
        plates = plates.filter(pk__in=list(plate_ids))
    rows = (
        plates.annotate(x=Func("geom", function="ST_X", output_field=FloatField()))
        .annotate(y=Func("geom", function="ST_Y", output_field=FloatField()))
        .values_list(*_FIELDS)
        .order_by("id")
    )
    return [
        OldPlate(
            id=r[0],
            version=r[1],
            address=r[2],
            road_name=r[3] or "",
            area=r[4],
            lane=r[5],
            alley=r[6],
            number_prefix=r[7],
            number=r[8],
            sub_number=r[9],
            number_suffix=r[10],
            floor=r[11],
            floor_unit=r[12],
            floor_sub=r[13],
            village_id=r[14],
            neighborhood=r[15],
            x=r[16],
            y=r[17],
        )
        for r in rows
    ]


def item_new_address(item: PlanItem) -> NewAddress:
    return NewAddress(
        road_name=item.road_name,
        area=item.area,
        lane=item.lane,
        alley=item.alley,
        number_prefix=item.number_prefix,
        number=item.number,
        sub_number=item.sub_number,
        number_suffix=item.number_suffix,
        floor=item.floor,
        floor_unit=item.floor_unit,
        floor_sub=item.floor_sub,
        village_id=item.village_id,
        neighborhood=item.neighborhood,
    )


def plan_items(plan: Plan) -> list[PlanItem]:
    return list(PlanItem.objects.filter(plan=plan).order_by("position"))


class OldFacts(NamedTuple):
    """What the preview needs of an item's old plate (read in one query, no model instances)."""

    road_name: str
    area: str
    lane: str
    alley: str
    number_prefix: str
    number: int
    sub_number: int | None
    address: str

    @property
    def entrance(self) -> tuple:
        return (self.road_name, self.area, self.lane, self.alley, self.number_prefix, self.number, self.sub_number)

    @property
    def street(self) -> tuple[str, str, str, str]:
        return (self.road_name, self.area, self.lane, self.alley)


def old_plate_facts(plan: Plan) -> dict[int, OldFacts]:
    rows = DoorPlate.objects.filter(pk__in=PlanItem.objects.filter(plan=plan).values("old_plate_id")).values_list(
        "id", "road__name", "area", "lane", "alley", "number_prefix", "number", "sub_number", "address"
    )
    return {r[0]: OldFacts(r[1] or "", *r[2:]) for r in rows}


def plans(*, status: str | None = None) -> QuerySet[Plan]:
    qs = Plan.objects.select_related("district", "created_by", "approved_by").annotate(item_count=Count("items"))
    return qs.filter(status=status) if status else qs


def waiting_approval_count() -> int:
    return Plan.objects.filter(status=Plan.Status.SUBMITTED).count()


def open_plan_count() -> int:
    return Plan.objects.filter(status__in=[Plan.Status.DRAFT, Plan.Status.SUBMITTED, Plan.Status.APPROVED]).count()


def roads_with_plates(*, district_id: int) -> list[tuple[int, str, int]]:
    """(road id, name, active plates) of the district's roads that have plates, by name."""
    rows = (
        Road.objects.filter(district_id=district_id, plates__status=DoorPlate.Status.ACTIVE)
        .annotate(n=Count("plates"))
        .values_list("id", "name", "n")
        .order_by("name")
    )
    return list(rows)


def road_plates_geojson(*, road_id: int) -> dict:
    """The road's active plates as a GeoJSON FeatureCollection (WGS84, 6 decimals): id, address, number, lane."""
    rows = (
        DoorPlate.objects.active()
        .filter(road_id=road_id)
        .annotate(wgs=Transform("geom", 4326))
        .values_list("id", "street_key", "number", "lane", "wgs")
        .order_by("lane", "number", "id")
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": pk,
                "geometry": {"type": "Point", "coordinates": [round(g.x, 6), round(g.y, 6)]},
                "properties": {"id": pk, "address": street, "number": number, "lane": lane},
            }
            for pk, street, number, lane, g in rows
        ],
    }
