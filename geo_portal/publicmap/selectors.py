"""Read-only aggregates for the public pages (no personal data exists in these tables): district summaries, the
map's first view and covered area, and what a plate card adds to the search's public fields."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.zipcodes.selectors import zip_prefix_fallback
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


# The covered districts' boundaries, grown by a GPS error's worth and simplified, in WGS84 with 5 decimals (~1 m):
# the map says "outside the area" for a point beyond it instead of offering a report there.
COVERAGE_SQL = """
SELECT ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(ST_Buffer(ST_Union(d.boundary), %(margin)s), 10), 4326), 5)
FROM areas_district d
WHERE d.boundary IS NOT NULL
  AND EXISTS (SELECT 1 FROM addresses_doorplate p WHERE p.district_id = d.id AND p.status = 'active')"""
COVERAGE_MARGIN_M = 50


@dataclass(frozen=True)
class Coverage:
    """The area the map covers: the districts with door plates (names as shown) and their outline as GeoJSON."""

    names: list[str]
    names_en: list[str]
    geometry: dict | None  # a (Multi)Polygon in WGS84; None when no covered district has a boundary


def coverage() -> Coverage:
    """The districts with active plates and their boundaries (grown by ``COVERAGE_MARGIN_M``), for the map page."""
    districts = (
        District.objects.using(settings.SEARCH_DB)
        .filter(Exists(DoorPlate.objects.active().filter(district=OuterRef("pk"))))
        .select_related("county")
        .order_by("code")
    )
    names = [f"{d.county.name}{d.name}" for d in districts]
    names_en = [", ".join(p for p in (d.name_en, d.county.name_en) if p) or f"{d.county.name}{d.name}" for d in districts]
    with connections[settings.SEARCH_DB].cursor() as cursor:
        cursor.execute(COVERAGE_SQL, {"margin": COVERAGE_MARGIN_M})
        row = cursor.fetchone()
    return Coverage(names=names, names_en=names_en, geometry=json.loads(row[0]) if row and row[0] else None)


@dataclass(frozen=True)
class CardExtras:
    """What a plate card shows beyond the search's public fields: the village's English name, the house number as
    the map labels it, and a partial (3-digit) zip code when no 3+3 rule covers the plate."""

    village_en: str
    number_label: str  # 101之1號
    number_label_en: str  # 101-1
    zip_prefix: str  # '' unless the plate has no 3+3 code and the rules give its first 3 digits
    entrance_id: int  # the id the plates tile gives the plate's position (its units' lowest): the map finds it so
    road_id: int | None = None  # the road's page (/roads/<id>)
    road_name: str = ""


def card_extras(plate_id: int) -> CardExtras | None:
    """The extras of one active plate's card (None for an unknown plate)."""
    plate = (
        DoorPlate.objects.using(settings.SEARCH_DB)
        .active()
        .filter(pk=plate_id)
        .select_related("village", "road", "district__county")
        .first()
    )
    if plate is None:
        return None
    subs = [s for s in (plate.sub_number, plate.number_suffix) if s is not None]
    label = f"{plate.number_prefix}{plate.number}" + (f"之{plate.sub_number}" if plate.sub_number is not None else "")
    label += "號" + (f"之{plate.number_suffix}" if plate.number_suffix is not None else "")
    prefix = ""
    if not plate.zip_code:
        prefix = zip_prefix_fallback(
            county=plate.district.county.name,
            district=plate.district.name,
            road=plate.road.name if plate.road_id else plate.area,
        )
    # The tile's point per position carries the lowest id of the active units there (tiles.RAW_PLATES_SQL).
    at_point = DoorPlate.objects.using(settings.SEARCH_DB).active().filter(geom=plate.geom)
    return CardExtras(
        entrance_id=at_point.order_by("pk").values_list("pk", flat=True).first() or plate.pk,
        village_en=plate.village.name_en if plate.village_id else "",
        number_label=label,
        number_label_en="-".join(str(n) for n in (f"{plate.number_prefix}{plate.number}", *subs)),
        zip_prefix=prefix,
        road_id=plate.road_id,
        road_name=plate.road.name if plate.road_id else "",
    )
