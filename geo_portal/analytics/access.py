"""Accessibility: distance from every door plate to the nearest service point of the office (straight line).

Service points are read through ``offices_servicepoint_v``, the read view offices declares (analytics and offices
are siblings: neither names the other's tables).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo_portal.analytics.layers import STORAGE_CRS, _read, villages

NEAREST_SQL = """
SELECT p.id, p.address, v.code AS village_code, v.name AS village, s.name AS service_point,
       ST_Distance(p.geom, s.location) AS distance_m, p.geom
FROM addresses_doorplate p
LEFT JOIN areas_village v ON v.id = p.village_id
CROSS JOIN LATERAL (
    SELECT sp.name, sp.location FROM offices_servicepoint_v sp
    WHERE sp.active AND sp.location IS NOT NULL ORDER BY sp.location <-> p.geom LIMIT 1
) s
WHERE p.status = 'active'
ORDER BY p.id"""

SERVICE_POINTS_SQL = """
SELECT name, name_en, kind, address, geocode_grade, location AS geom
FROM offices_servicepoint_v WHERE active AND location IS NOT NULL ORDER BY kind, name"""


def service_points(*, crs: int = STORAGE_CRS) -> gpd.GeoDataFrame:
    """The office's active service points that the geocoder could place."""
    return _read(SERVICE_POINTS_SQL, {}, crs)


def plate_distances(*, crs: int = STORAGE_CRS) -> gpd.GeoDataFrame:
    """Every active plate with its nearest active service point and the straight-line distance to it (m)."""
    return _read(NEAREST_SQL, {}, crs)


def village_access(bands_m: tuple[int, ...] = (1000, 2000, 3000), *, crs: int = STORAGE_CRS) -> gpd.GeoDataFrame:
    """Per village: share of plates within each distance band, and residents within it (estimated).

    Residents are not located individually; a village's residents are spread evenly over its plates, so
    ``residents_within_<band>`` is the village population times the share of its plates within the band.
    """
    distances = plate_distances(crs=crs)
    frame = villages(crs=crs)[["code", "name", "name_en", "population", "plates", "geom"]]
    shares = pd.DataFrame(index=frame["code"])
    for band in bands_m:
        within = distances.assign(inside=distances["distance_m"] <= band).groupby("village_code")["inside"].mean()
        shares[f"share_plates_within_{band}m"] = within
    frame = frame.merge(shares, left_on="code", right_index=True, how="left")
    for band in bands_m:
        frame[f"residents_within_{band}m"] = frame["population"] * frame[f"share_plates_within_{band}m"]
    median = distances.groupby("village_code")["distance_m"].median().rename("median_distance_m")
    return frame.merge(median, left_on="code", right_index=True, how="left")
