"""Spatial reference systems and coordinate checks used by every importer, selector and view.

Storage is EPSG:3826 (TWD97 / TM2 zone 121, metres); EPSG:4326 only at the edges. Transforms use pyproj with
``always_xy=True`` so coordinates are always (x=lon/easting, y=lat/northing).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSGeometry, Point

if TYPE_CHECKING:
    from pyproj import Transformer

STORAGE_SRID = 3826  # TWD97 / TM2 zone 121
WGS84_SRID = 4326
TWD97_TM2_PENGHU_SRID = 3825
KNOWN_SRIDS = {STORAGE_SRID, WGS84_SRID, TWD97_TM2_PENGHU_SRID, 3828, 3857, 3824}

# Taiwan with Penghu, Kinmen, Matsu and Lanyu, in WGS84 degrees (lon_min, lat_min, lon_max, lat_max).
TAIWAN_BOUNDS_WGS84 = (118.0, 21.5, 122.5, 26.5)


@lru_cache(maxsize=16)
def transformer(src_srid: int, dst_srid: int) -> Transformer:
    """A cached pyproj transformer in x/y order."""
    # pyproj on first use, not at import: the models import this module, and pyproj costs every process ~0.05 s.
    from pyproj import Transformer

    return Transformer.from_crs(src_srid, dst_srid, always_xy=True)


def to_wgs84(x: float, y: float, srid: int) -> tuple[float, float]:
    """Transform one coordinate pair to (lon, lat)."""
    if srid == WGS84_SRID:
        return x, y
    return transformer(srid, WGS84_SRID).transform(x, y)


def in_taiwan(lon: float, lat: float) -> bool:
    """True when a WGS84 point lies in the bounding box of Taiwan's territory."""
    lon_min, lat_min, lon_max, lat_max = TAIWAN_BOUNDS_WGS84
    return lon_min <= lon <= lon_max and lat_min <= lat <= lat_max


def transform_point(point: Point, srid: int) -> Point:
    """A point in another SRID through a cached pyproj transformer (GEOS/GDAL ``transform`` rebuilds its
    coordinate transformation on every call, ~1 ms; this is ~10 µs). Non-finite results raise ValueError."""
    if not point.srid:
        raise ValueError("point has no SRID; refusing to guess its coordinate system")
    if point.srid == srid:
        return point
    x, y = transformer(point.srid, srid).transform(point.x, point.y)
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError("point is outside the coordinate system's domain")
    return Point(x, y, srid=srid)


def to_storage(geom: GEOSGeometry) -> GEOSGeometry:
    """Return a copy of ``geom`` in the storage SRID. A geometry without an SRID is refused, never guessed."""
    if not geom.srid:
        raise ValueError("geometry has no SRID; refusing to guess its coordinate system")
    if isinstance(geom, Point):
        return transform_point(geom, STORAGE_SRID)
    return geom if geom.srid == STORAGE_SRID else geom.transform(STORAGE_SRID, clone=True)


def point_in_taiwan_wgs84(point: Point) -> Point:
    """The point in WGS84; ValueError when it has no SRID, cannot be transformed, or lies outside Taiwan."""
    if not point.srid:
        raise ValueError("point has no SRID")
    try:
        lonlat = transform_point(point, WGS84_SRID)
    except (ValueError, GDALException):
        raise ValueError("point is outside Taiwan") from None  # far outside the projection's domain
    if not in_taiwan(lonlat.x, lonlat.y):
        raise ValueError("point is outside Taiwan")
    return lonlat
