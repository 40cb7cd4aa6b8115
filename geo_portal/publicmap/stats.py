"""Per-village statistics for the public dashboard (/stats/): population, households, door plates, density.

Aggregates only. The figures come from ``geo_portal.areas.statistics``, which applies the small-numbers rule
(``core.privacy``): a withheld figure arrives as ``None`` with ``suppressed`` set, and is shown as missing; this
module only adds the plate counts, areas, ratios and map geometry. Totals are those of ``areas.statistics`` (the
published villages only); ``totals_note`` is the sentence that goes with them wherever they are shown.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connections
from django.utils.translation import ngettext

from geo_portal.areas.statistics import MonthTotals, village_figures

# Villages on the page: those with a boundary that reported for the month or have door plates.
VILLAGES_SQL = """
SELECT v.id, v.code, v.name, v.name_en, ST_Area(v.boundary) / 1e6 AS area_km2,
       (SELECT count(*) FROM addresses_doorplate p WHERE p.village_id = v.id AND p.status = 'active') AS plates,
       ST_AsGeoJSON(ST_Multi(ST_Transform(ST_SimplifyPreserveTopology(v.boundary, 2), 4326)), 6) AS geojson
FROM areas_village v
WHERE v.boundary IS NOT NULL
  AND (v.id = ANY(%(reported)s::bigint[]) OR EXISTS (SELECT 1 FROM addresses_doorplate p WHERE p.village_id = v.id))
ORDER BY v.code"""


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


def village_stats(month: dt.date | None) -> tuple[list[VillageStats], list[dict]]:
    """Rows for the table and GeoJSON features for the map, one per village, for one month."""
    figures = village_figures(month=month)
    with connections[settings.SEARCH_DB].cursor() as cursor:
        cursor.execute(VILLAGES_SQL, {"reported": list(figures)})
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


def totals_note(totals: MonthTotals) -> str:
    """What a month's totals cover: the villages shown, and how many were withheld (left out of the totals)."""
    return ngettext(
        "Totals of the villages shown; %(counter)s village withheld (fewer than 3 households).",
        "Totals of the villages shown; %(counter)s villages withheld (fewer than 3 households).",
        totals.withheld,
    ) % {"counter": totals.withheld}


def totals_json(totals: MonthTotals) -> dict:
    """A month's totals for the GeoJSON download (a foreign member of the FeatureCollection), with the note."""
    return {**asdict(totals), "month": f"{totals.month:%Y-%m}", "note": totals_note(totals)}
