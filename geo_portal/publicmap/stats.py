"""Per-village statistics for the public dashboard (/stats/): population, households, door plates, density.

Aggregates only. The figures come from ``geo_portal.areas.statistics``, which applies the small-numbers rule
(``core.privacy``): a withheld figure arrives as ``None`` with ``suppressed`` set, and is shown as missing; this
module only adds the plate counts, areas, ratios and map geometry. The page is about one district that the
platform covers (one with door plates; ``covered_districts``): its villages, and totals of that district only
(``areas.statistics.month_totals(district_id=…)``: the published villages; the population reports cover the whole
city, and a city total beside a district table misleads). ``totals_note`` is the sentence that goes with the
totals wherever they are shown; it names the district.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connections
from django.db.models import Exists, OuterRef
from django.utils.translation import get_language, ngettext

from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import District
from geo_portal.areas.statistics import MonthTotals, village_figures

# Villages on the page: the district's villages with a boundary that reported for the month or have door plates.
VILLAGES_SQL = """
SELECT v.id, v.code, v.name, v.name_en, ST_Area(v.boundary) / 1e6 AS area_km2,
       (SELECT count(*) FROM addresses_doorplate p WHERE p.village_id = v.id AND p.status = 'active') AS plates,
       ST_AsGeoJSON(ST_Multi(ST_Transform(ST_SimplifyPreserveTopology(v.boundary, 2), 4326)), 6) AS geojson
FROM areas_village v
WHERE v.boundary IS NOT NULL AND v.district_id = %(district)s
  AND (v.id = ANY(%(reported)s::bigint[]) OR EXISTS (SELECT 1 FROM addresses_doorplate p WHERE p.village_id = v.id))
ORDER BY v.code"""


@dataclass(frozen=True)
class StatsDistrict:
    """A district the statistics page can show: one that has door plates (the platform covers it)."""

    id: int
    code: str
    name: str  # with its county: 新竹市東區
    name_en: str  # East Dist., Hsinchu City


def covered_districts() -> list[StatsDistrict]:
    """The districts with active door plates, by MOI code."""
    rows = (
        District.objects.using(settings.SEARCH_DB)
        .filter(Exists(DoorPlate.objects.active().filter(district=OuterRef("pk"))))
        .select_related("county")
        .order_by("code")
    )
    return [
        StatsDistrict(
            id=d.pk,
            code=d.code,
            name=f"{d.county.name}{d.name}",
            name_en=", ".join(p for p in (d.name_en, d.county.name_en) if p),
        )
        for d in rows
    ]


def parse_district(code: str, covered: list[StatsDistrict]) -> StatsDistrict | None:
    """The covered district a ``district=<MOI code>`` parameter names; the first when empty; ValueError otherwise."""
    if not code:
        return covered[0] if covered else None
    found = next((d for d in covered if d.code == code), None)
    if found is None:
        codes = ", ".join(f"{d.code} ({d.name})" for d in covered) or "none"
        raise ValueError(f"no district {code} with door plates; districts: {codes}")
    return found


@dataclass(frozen=True)
class VillageStats:
    code: str
    name: str
    name_en: str
    area_km2: float
    plates: int
    households: int | None
    population: int | None
    male: int | None
    female: int | None
    density_per_km2: float | None
    households_per_plate: float | None
    suppressed: bool


def village_stats(month: dt.date | None, district: StatsDistrict) -> tuple[list[VillageStats], list[dict]]:
    """Rows for the table and GeoJSON features for the map, one per village of the district, for one month."""
    figures = village_figures(month=month)
    with connections[settings.SEARCH_DB].cursor() as cursor:
        cursor.execute(VILLAGES_SQL, {"reported": list(figures), "district": district.id})
        rows = cursor.fetchall()
    stats, features = [], []
    for village_id, code, name, name_en, area, plates, geojson in rows:
        f = figures.get(village_id)
        households, population = (f.households, f.population) if f else (None, None)
        row = VillageStats(
            code=code,
            name=name,
            name_en=name_en,
            area_km2=round(area, 3),
            plates=plates,
            households=households,
            population=population,
            male=f.male if f else None,
            female=f.female if f else None,
            density_per_km2=round(population / area, 1) if population is not None and area else None,
            households_per_plate=round(households / plates, 3) if households is not None and plates else None,
            suppressed=f.suppressed if f else False,
        )
        stats.append(row)
        features.append({"type": "Feature", "properties": asdict(row), "geometry": json.loads(geojson)})
    return stats, features


@dataclass(frozen=True)
class TableTotals:
    """Sums of the table's villages: residents and households of the published ones only (withheld ones count)."""

    plates: int
    area_km2: float
    population: int
    households: int
    withheld: int
    density_per_km2: float | None
    households_per_plate: float | None


def table_totals(rows: list[VillageStats]) -> TableTotals | None:
    """The footer row of the village table (None without rows)."""
    if not rows:
        return None
    shown = [r for r in rows if not r.suppressed and r.population is not None]
    population, households = sum(r.population for r in shown), sum(r.households or 0 for r in shown)
    plates, area = sum(r.plates for r in rows), round(sum(r.area_km2 for r in rows), 3)
    shown_area = sum(r.area_km2 for r in shown)
    shown_plates = sum(r.plates for r in shown)
    return TableTotals(
        plates=plates,
        area_km2=area,
        population=population,
        households=households,
        withheld=sum(r.suppressed for r in rows),
        density_per_km2=round(population / shown_area, 1) if shown_area else None,
        households_per_plate=round(households / shown_plates, 3) if shown_plates else None,
    )


def parse_month(text: str, available: list[dt.date]) -> dt.date | None:
    """``YYYY-MM`` → the loaded month it names; the latest month when empty; ValueError otherwise."""
    if not text:
        return available[-1] if available else None
    try:
        month = dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise ValueError("month must be written YYYY-MM, e.g. 2026-06") from exc
    if month not in available:
        loaded = ", ".join(f"{m:%Y-%m}" for m in available) or "none"
        raise ValueError(f"no statistics for {month:%Y-%m}; loaded months: {loaded}")
    return month


def district_label(district: StatsDistrict) -> str:
    """The district's name in the page's language: 新竹市東區, or East Dist., Hsinchu City."""
    return district.name if (get_language() or "").startswith("zh") or not district.name_en else district.name_en


def totals_note(totals: MonthTotals, district: StatsDistrict) -> str:
    """What a month's totals cover: the district's published villages, and how many were withheld (left out)."""
    return ngettext(
        "The sum of the %(shown)s published villages of %(district)s; %(counter)s village withheld"
        " (fewer than 3 households).",
        "The sum of the %(shown)s published villages of %(district)s; %(counter)s villages withheld"
        " (fewer than 3 households).",
        totals.withheld,
    ) % {"district": district_label(district), "shown": totals.villages, "counter": totals.withheld}


def totals_json(totals: MonthTotals, district: StatsDistrict) -> dict:
    """A month's totals for the GeoJSON download (a foreign member of the FeatureCollection), with the note."""
    return {
        **asdict(totals),
        "month": f"{totals.month:%Y-%m}",
        "district": {"code": district.code, "name": district.name, "name_en": district.name_en},
        "note": totals_note(totals, district),
    }
