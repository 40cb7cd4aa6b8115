"""The GPS position in an installation photo's EXIF data (kept by ``reports.photo.process_photo`` when asked):
degrees, minutes and seconds with their N/S/E/W references → WGS84 longitude and latitude. Called by
``services.installation``."""

from __future__ import annotations

import io
import math

from PIL import ExifTags, Image

GPS = ExifTags.IFD.GPSInfo
LAT_REF, LAT, LON_REF, LON = 1, 2, 3, 4


def _degrees(value: object) -> float | None:
    try:
        d, m, s = (float(part) for part in value)  # IFDRational or floats
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = d + m / 60 + s / 3600
    return result if math.isfinite(result) else None


def gps_of(content: bytes) -> tuple[float, float] | None:
    """(lon, lat) from the photo's EXIF GPS block, or None when it has none (or an unreadable one)."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            gps = dict(image.getexif().get_ifd(GPS))
    except (OSError, ValueError, SyntaxError):
        return None
    lat, lon = _degrees(gps.get(LAT)), _degrees(gps.get(LON))
    if lat is None or lon is None:
        return None
    if str(gps.get(LAT_REF, "N")).upper().startswith("S"):
        lat = -lat
    if str(gps.get(LON_REF, "E")).upper().startswith("W"):
        lon = -lon
    return lon, lat
