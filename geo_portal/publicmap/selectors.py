"""Read-only aggregates for the public pages (no personal data exists in these tables)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import District
from geo_portal.buildings.models import Building


@dataclass(frozen=True)
class DistrictSummary:
    code: str
    name: str
    name_en: str
    villages: int
    villages_with_boundary: int
    roads: int
    active_plates: int
    retired_plates: int
    buildings: int
    linked_plates: int


def district_summaries() -> list[DistrictSummary]:
    """One summary per district that has door plates, ordered by MOI code."""
    districts = (
        District.objects.select_related("county")
        .annotate(
            n_villages=Count("villages", distinct=True),
            n_villages_boundary=Count("villages", filter=Q(villages__boundary__isnull=False), distinct=True),
            n_roads=Count("roads", distinct=True),
        )
        .filter(plates__isnull=False)
        .distinct()
        .order_by("code")
    )
    plate_counts = {
        row["district"]: row
        for row in DoorPlate.objects.values("district").annotate(
            active=Count("id", filter=Q(status=DoorPlate.Status.ACTIVE)),
            retired=Count("id", filter=Q(status=DoorPlate.Status.RETIRED)),
            linked=Count("building_link", filter=Q(status=DoorPlate.Status.ACTIVE)),
        )
    }
    summaries = []
    for d in districts:
        counts = plate_counts.get(d.pk, {"active": 0, "retired": 0, "linked": 0})
        buildings = Building.objects.filter(geom__intersects=d.boundary).count() if d.boundary else 0
        summaries.append(
            DistrictSummary(
                code=d.code, name=f"{d.county.name}{d.name}", name_en=f"{d.name_en}, {d.county.name_en}".strip(", "),
                villages=d.n_villages, villages_with_boundary=d.n_villages_boundary, roads=d.n_roads,
                active_plates=counts["active"], retired_plates=counts["retired"], buildings=buildings,
                linked_plates=counts["linked"],
            )
        )
    return summaries
