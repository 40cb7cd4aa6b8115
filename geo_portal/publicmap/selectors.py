"""Read-only aggregates for the public pages (no personal data exists in these tables)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import District, Road, Village
from geo_portal.buildings.models import Building, PlateBuilding


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


def _count(queryset, **filters) -> Coalesce:
    """A correlated COUNT subquery per district (no join fan-out between villages, roads and plates)."""
    sub = queryset.filter(**filters).order_by().values(filters_key(filters)).annotate(c=Count("*")).values("c")
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def filters_key(filters: dict) -> str:
    return next(k for k in filters if k.endswith("district") or k.endswith("district_id"))


def district_summaries() -> list[DistrictSummary]:
    """One summary per district that has door plates, ordered by MOI code."""
    ref = OuterRef("pk")
    districts = (
        District.objects.select_related("county")
        .filter(Exists(DoorPlate.objects.filter(district=OuterRef("pk"))))
        .annotate(
            n_villages=_count(Village.objects, district=ref),
            n_villages_boundary=_count(Village.objects.filter(boundary__isnull=False), district=ref),
            n_roads=_count(Road.objects, district=ref),
            n_active=_count(DoorPlate.objects.active(), district=ref),
            n_retired=_count(DoorPlate.objects.filter(status=DoorPlate.Status.RETIRED), district=ref),
            n_linked=_count(PlateBuilding.objects.filter(plate__status=DoorPlate.Status.ACTIVE), plate__district=ref),
        )
        .order_by("code")
    )
    return [
        DistrictSummary(
            code=d.code,
            name=f"{d.county.name}{d.name}",
            name_en=", ".join(p for p in (d.name_en, d.county.name_en) if p),
            villages=d.n_villages,
            villages_with_boundary=d.n_villages_boundary,
            roads=d.n_roads,
            active_plates=d.n_active,
            retired_plates=d.n_retired,
            buildings=Building.objects.filter(geom__intersects=d.boundary).count() if d.boundary else 0,
            linked_plates=d.n_linked,
        )
        for d in districts
    ]


def map_extent() -> list[list[float]] | None:
    """[[south, west], [north, east]] in WGS84 of the loaded villages (or plates), for the map's first view."""
    with connections[settings.SEARCH_DB].cursor() as cursor:
        cursor.execute(
            """SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (
                   SELECT ST_Transform(ST_SetSRID(coalesce(
                       (SELECT ST_Extent(boundary) FROM areas_village WHERE boundary IS NOT NULL),
                       (SELECT ST_Extent(geom) FROM addresses_doorplate WHERE status = 'active')), 3826), 4326) AS e) s"""
        )
        row = cursor.fetchone()
    if not row or row[0] is None:
        return None
    west, south, east, north = (round(v, 6) for v in row)
    return [[south, west], [north, east]]
