"""Layers as GeoDataFrames: door plates, buildings, villages with statistics, age structure per village.

Village statistics are read from ``areas_village_stats_public_v``, the read view in which areas applies the
small-numbers rule (``core.privacy``): figures of a village with fewer than ``MIN_HOUSEHOLDS`` households arrive as
missing, with ``suppressed`` true. Nothing here applies the rule again or reads the raw figures.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np

from geo_portal.addresses.public import PUBLIC_PLATES_SELECT
from geo_portal.analytics.db import engine
from geo_portal.core.privacy import MIN_PUBLISHED_HOUSEHOLDS

STORAGE_CRS = 3826
MIN_HOUSEHOLDS = MIN_PUBLISHED_HOUSEHOLDS  # for readers: statistics of a village with fewer households are withheld
# Figures that may be withheld: always float64, missing (NaN) where withheld or not reported.
FIGURE_COLUMNS = ("households", "population", "male", "female")

PLATES_SQL = (
    PUBLIC_PLATES_SELECT.format(geometry="p.geom")
    + """
WHERE (p.status = 'active' OR %(retired)s) AND (%(district)s::text IS NULL OR d.code = %(district)s)
ORDER BY p.id"""
)

BUILDINGS_SQL = """
SELECT b.id, b.name, b.floors, b.height_m, b.structure, b.source, b.source_id,
       (SELECT count(*) FROM buildings_platebuilding l WHERE l.building_id = b.id) AS plates, b.geom
FROM buildings_building b ORDER BY b.id"""

VILLAGES_SQL = """
WITH chosen AS (SELECT coalesce(%(month)s::date, (SELECT max(month) FROM areas_village_stats_public_v)) AS month)
SELECT v.code, v.name, v.name_en, d.code AS district_code, d.name AS district, ST_Area(v.boundary) / 1e6 AS area_km2,
       (SELECT count(*) FROM addresses_doorplate p WHERE p.village_id = v.id AND p.status = 'active') AS plates,
       (SELECT count(DISTINCT p.geom) FROM addresses_doorplate p WHERE p.village_id = v.id AND p.status = 'active')
           AS entrances,
       chosen.month, s.neighborhoods, s.households, s.population, s.male, s.female,
       coalesce(s.suppressed, false) AS suppressed, v.boundary AS geom
FROM areas_village v
JOIN areas_district d ON d.id = v.district_id
CROSS JOIN chosen
LEFT JOIN areas_village_stats_public_v s ON s.village_id = v.id AND s.month = chosen.month
WHERE v.boundary IS NOT NULL AND (%(district)s::text IS NULL OR d.code = %(district)s)
ORDER BY v.code"""

AGES_SQL = """
WITH chosen AS (SELECT coalesce(%(month)s::date, (SELECT max(month) FROM areas_village_stats_public_v
                                                  WHERE has_ages)) AS month)
SELECT v.code, v.name, v.name_en, s.month, s.households, s.population, s.age_male, s.age_female, s.suppressed,
       v.boundary AS geom
FROM areas_village_stats_public_v s JOIN areas_village v ON v.id = s.village_id JOIN chosen ON s.month = chosen.month
WHERE s.has_ages AND v.boundary IS NOT NULL ORDER BY v.code"""


def _read(sql: str, params: dict, crs: int) -> gpd.GeoDataFrame:
    frame = gpd.read_postgis(sql, engine(), geom_col="geom", params=params, crs=STORAGE_CRS)
    return frame if crs == STORAGE_CRS else frame.to_crs(crs)


def plates(*, crs: int = STORAGE_CRS, district: str | None = None, include_retired: bool = False) -> gpd.GeoDataFrame:
    """Door plates (active only unless ``include_retired``), one row per plate, with village and 鄰."""
    return _read(PLATES_SQL, {"retired": include_retired, "district": district}, crs)


def buildings(*, crs: int = STORAGE_CRS) -> gpd.GeoDataFrame:
    """Building footprints with their attributes and the number of plates linked to each."""
    return _read(BUILDINGS_SQL, {}, crs)


def months() -> list[dt.date]:
    """Months with population statistics, oldest first."""
    with engine().connect() as conn:
        sql = "SELECT DISTINCT month FROM areas_village_stats_public_v ORDER BY 1"
        return [row[0] for row in conn.exec_driver_sql(sql)]


def villages(*, month: dt.date | None = None, crs: int = STORAGE_CRS, district: str | None = None) -> gpd.GeoDataFrame:
    """Villages with boundaries, plate counts and densities, and one month's statistics (the latest by default).

    Columns: code, name, name_en, district_code, district, area_km2, plates, entrances (distinct plate
    positions), month, neighborhoods, households, population, male, female, plates_per_km2, density_per_km2
    (residents), households_per_plate, suppressed.
    """
    frame = _read(VILLAGES_SQL, {"month": month, "district": district}, crs)
    for column in FIGURE_COLUMNS:
        frame[column] = frame[column].astype("float64")
    frame["plates_per_km2"] = frame["plates"] / frame["area_km2"]
    frame["density_per_km2"] = frame["population"] / frame["area_km2"]
    frame["households_per_plate"] = frame["households"] / frame["plates"].replace(0, np.nan)
    frame["suppressed"] = frame.pop("suppressed")  # last, after the derived columns
    return frame


def age_structure(*, month: dt.date | None = None, crs: int = STORAGE_CRS) -> gpd.GeoDataFrame:
    """Residents per village by age group (0–14, 15–64, 65+, 80+) and the shares, from the age report."""
    frame = _read(AGES_SQL, {"month": month}, crs)
    # A withheld village has no age figures: its row stays, with every age column missing.
    withheld = np.full(101, np.nan)
    ages = np.array(
        [withheld if m is None else np.add(m, f) for m, f in zip(frame["age_male"], frame["age_female"], strict=True)],
        dtype="float64",
    ).reshape(-1, 101)
    frame["age_0_14"] = ages[:, :15].sum(axis=1)
    frame["age_15_64"] = ages[:, 15:65].sum(axis=1)
    frame["age_65_plus"] = ages[:, 65:].sum(axis=1)
    frame["age_80_plus"] = ages[:, 80:].sum(axis=1)
    total = ages.sum(axis=1)
    frame["share_65_plus"] = frame["age_65_plus"] / np.where(total > 0, total, np.nan)
    frame["share_80_plus"] = frame["age_80_plus"] / np.where(total > 0, total, np.nan)
    frame = frame.drop(columns=["age_male", "age_female"])
    frame["suppressed"] = frame.pop("suppressed")  # last, after the derived columns
    return frame
