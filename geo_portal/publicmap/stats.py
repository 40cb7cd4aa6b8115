"""Per-village statistics for the public dashboard (/stats/): population, households, door plates, density.

Aggregates only; a village with fewer than ``MIN_HOUSEHOLDS`` (``core.privacy``) households has its household and population
figures suppressed (shown as missing), as in ``geo_portal.analytics``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connections

from geo_portal.core.privacy import MIN_PUBLISHED_HOUSEHOLDS

MIN_HOUSEHOLDS = MIN_PUBLISHED_HOUSEHOLDS

VILLAGE_STATS_SQL = """
SELECT v.code, v.name, v.name_en, ST_Area(v.boundary) / 1e6 AS area_km2,
       (SELECT count(*) FROM addresses_doorplate p WHERE p.village_id = v.id AND p.status = 'active') AS plates,
       vp.households, vp.population, vp.male, vp.female,
       ST_AsGeoJSON(ST_Multi(ST_Transform(ST_SimplifyPreserveTopology(v.boundary, 2), 4326)), 6) AS geojson
FROM areas_village v
LEFT JOIN areas_villagepopulation vp ON vp.village_id = v.id AND vp.month = %(month)s
WHERE v.boundary IS NOT NULL
  AND (vp.id IS NOT NULL OR EXISTS (SELECT 1 FROM addresses_doorplate p WHERE p.village_id = v.id))
ORDER BY v.code"""

TOTALS_SQL = """
SELECT vp.month, sum(vp.households), sum(vp.population), sum(vp.male), sum(vp.female), count(*)
FROM areas_villagepopulation vp GROUP BY vp.month ORDER BY vp.month"""


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


@dataclass(frozen=True)
class MonthTotals:
    month: dt.date
    households: int
    population: int
    male: int
    female: int
    villages: int


def months() -> list[dt.date]:
    with connections[settings.SEARCH_DB].cursor() as cursor:
        cursor.execute("SELECT DISTINCT month FROM areas_villagepopulation ORDER BY month")
        return [row[0] for row in cursor.fetchall()]


def monthly_totals() -> list[MonthTotals]:
    """District-wide totals per loaded month, oldest first (the time series)."""
    with connections[settings.SEARCH_DB].cursor() as cursor:
        cursor.execute(TOTALS_SQL)
        return [MonthTotals(*row) for row in cursor.fetchall()]


def village_stats(month: dt.date | None) -> tuple[list[VillageStats], list[dict]]:
    """Rows for the table and GeoJSON features for the map, one per village, for one month."""
    with connections[settings.SEARCH_DB].cursor() as cursor:
        cursor.execute(VILLAGE_STATS_SQL, {"month": month})
        rows = cursor.fetchall()
    stats, features = [], []
    for code, name, name_en, area, plates, households, population, male, female, geojson in rows:
        suppressed = households is not None and households < MIN_HOUSEHOLDS
        if suppressed:
            households = population = male = female = None
        row = VillageStats(
            code=code,
            name=name,
            name_en=name_en,
            area_km2=round(area, 3),
            plates=plates,
            households=households,
            population=population,
            male=male,
            female=female,
            density_per_km2=round(population / area, 1) if population is not None and area else None,
            households_per_plate=round(households / plates, 3) if households is not None and plates else None,
            suppressed=suppressed,
        )
        stats.append(row)
        features.append({"type": "Feature", "properties": asdict(row), "geometry": json.loads(geojson)})
    return stats, features


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
