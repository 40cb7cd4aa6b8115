"""Layers as GeoDataFrames: door plates, buildings, villages with statistics, age structure per village."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd

from geo_portal.addresses.public import PUBLIC_PLATES_SELECT
from geo_portal.analytics.db import engine
from geo_portal.core.privacy import MIN_PUBLISHED_HOUSEHOLDS

STORAGE_CRS = 3826
MIN_HOUSEHOLDS = MIN_PUBLISHED_HOUSEHOLDS  # statistics of a village with fewer households are suppressed
SUPPRESSED_COLUMNS = ("households", "population", "male", "female", "density_per_km2", "households_per_plate")

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
WITH chosen AS (SELECT coalesce(%(month)s::date, (SELECT max(month) FROM areas_villagepopulation)) AS month)
SELECT v.code, v.name, v.name_en, d.code AS district_code, d.name AS district, ST_Area(v.boundary) / 1e6 AS area_km2,
       (SELECT count(*) FROM addresses_doorplate p WHERE p.village_id = v.id AND p.status = 'active') AS plates,
       (SELECT count(DISTINCT p.geom) FROM addresses_doorplate p WHERE p.village_id = v.id AND p.status = 'active')
           AS entrances,
       chosen.month, vp.neighborhoods, vp.households, vp.population, vp.male, vp.female, v.boundary AS geom
FROM areas_village v
JOIN areas_district d ON d.id = v.district_id
CROSS JOIN chosen
LEFT JOIN areas_villagepopulation vp ON vp.village_id = v.id AND vp.month = chosen.month
WHERE v.boundary IS NOT NULL AND (%(district)s::text IS NULL OR d.code = %(district)s)
ORDER BY v.code"""

AGES_SQL = """
WITH chosen AS (SELECT coalesce(%(month)s::date, (SELECT max(month) FROM areas_villagepopulation
                                                  WHERE age_male IS NOT NULL)) AS month)
SELECT v.code, v.name, v.name_en, vp.month, vp.households, vp.population, vp.age_male, vp.age_female,
       v.boundary AS geom
FROM areas_villagepopulation vp JOIN areas_village v ON v.id = vp.village_id JOIN chosen ON vp.month = chosen.month
WHERE vp.age_male IS NOT NULL AND v.boundary IS NOT NULL ORDER BY v.code"""


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
        return [row[0] for row in conn.exec_driver_sql("SELECT DISTINCT month FROM areas_villagepopulation ORDER BY 1")]


def suppress(frame: pd.DataFrame) -> pd.DataFrame:
    """Blank household and population figures of villages with fewer than ``MIN_HOUSEHOLDS`` households."""
    small = frame["households"].notna() & (frame["households"] < MIN_HOUSEHOLDS)
    frame["suppressed"] = small
    for column in SUPPRESSED_COLUMNS:
        if column in frame:
            frame[column] = frame[column].astype("float64").mask(small)
    return frame


def villages(*, month: dt.date | None = None, crs: int = STORAGE_CRS, district: str | None = None) -> gpd.GeoDataFrame:
    """Villages with boundaries, plate counts and densities, and one month's statistics (the latest by default).

    Columns: code, name, name_en, district_code, district, area_km2, plates, entrances (distinct plate
    positions), month, neighborhoods, households, population, male, female, plates_per_km2, density_per_km2
    (residents), households_per_plate, suppressed.
    """
    frame = _read(VILLAGES_SQL, {"month": month, "district": district}, crs)
    frame["plates_per_km2"] = frame["plates"] / frame["area_km2"]
    frame["density_per_km2"] = frame["population"] / frame["area_km2"]
    frame["households_per_plate"] = frame["households"] / frame["plates"].replace(0, np.nan)
    return suppress(frame)


def age_structure(*, month: dt.date | None = None, crs: int = STORAGE_CRS) -> gpd.GeoDataFrame:
    """Residents per village by age group (0–14, 15–64, 65+, 80+) and the shares, from the age report."""
    frame = _read(AGES_SQL, {"month": month}, crs)
    ages = np.array([np.add(m, f) for m, f in zip(frame["age_male"], frame["age_female"], strict=True)]).reshape(-1, 101)
    frame["age_0_14"] = ages[:, :15].sum(axis=1)
    frame["age_15_64"] = ages[:, 15:65].sum(axis=1)
    frame["age_65_plus"] = ages[:, 65:].sum(axis=1)
    frame["age_80_plus"] = ages[:, 80:].sum(axis=1)
    total = ages.sum(axis=1).astype("float64")
    frame["share_65_plus"] = frame["age_65_plus"] / np.where(total > 0, total, np.nan)
    frame["share_80_plus"] = frame["age_80_plus"] / np.where(total > 0, total, np.nan)
    frame = frame.drop(columns=["age_male", "age_female"])
    for column in ("age_0_14", "age_15_64", "age_65_plus", "age_80_plus", "share_65_plus", "share_80_plus"):
        frame[column] = frame[column].astype("float64")
    small = frame["households"] < MIN_HOUSEHOLDS
    blanked = ["population", "age_0_14", "age_15_64", "age_65_plus", "age_80_plus", "share_65_plus", "share_80_plus"]
    frame.loc[small, blanked] = np.nan
    frame["suppressed"] = small
    return frame
