"""Typed answers of the address search: ``PlateHit`` and its one builder ``plate_hit``, ``GeocodeResult`` and
``ReverseResult`` (with the match ``Grade`` of ``addresses.grades``). Shared by ``geocode``, ``reverse`` and ``batch``;
the API and the public map read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from geo_portal.addresses.grades import Grade
from geo_portal.core.geo import STORAGE_SRID, WGS84_SRID, transformer

MAX_LIMIT = 50  # most hits any search answer returns


@dataclass(frozen=True)
class PlateHit:
    """One plate in an answer, with public fields only."""

    plate_id: int | None
    address: str
    address_en: str
    address_en_is_pinyin: bool  # the road's English name is a Hanyu Pinyin fallback, not the official table
    zip_code: str
    village: str
    neighborhood: int | None
    lon: float
    lat: float
    x: float
    y: float
    building_id: int | None
    distance_m: float | None = None
    # The first 3 digits the zip-code rules give when no 3+3 rule covers the plate (roads newer than the rules), as
    # the public card shows them; '' when ``zip_code`` is set or the rules give nothing.
    zip_code_partial: str = ""


def plate_hit(
    *,
    plate_id: int | None,
    address: str,
    x: float,
    y: float,
    address_en: str = "",
    address_en_is_pinyin: bool = False,
    zip_code: str = "",
    village: str = "",
    neighborhood: int | None = None,
    building_id: int | None = None,
    distance_m: float | None = None,
    zip_code_partial: str = "",
) -> PlateHit:
    """The one builder of a plate in an answer, from its storage (TWD97) position: WGS84 and rounding here only."""
    lon, lat = transformer(STORAGE_SRID, WGS84_SRID).transform(x, y)
    return PlateHit(
        plate_id=plate_id,
        address=address,
        address_en=address_en,
        address_en_is_pinyin=address_en_is_pinyin,
        zip_code=zip_code,
        village=village,
        neighborhood=neighborhood,
        lon=round(lon, 6),
        lat=round(lat, 6),
        x=round(x, 2),
        y=round(y, 2),
        building_id=building_id,
        distance_m=None if distance_m is None else round(distance_m, 1),
        zip_code_partial="" if zip_code else zip_code_partial,
    )


@dataclass(frozen=True)
class OutsideCoverage:
    """The address names a place this platform does not hold: what was recognised, what is covered, where to look.

    ``recognised`` is the county/district (臺北市中正區) or the road (中清路) that lies elsewhere; ``elsewhere`` the
    districts where that road is known, when the national tables say so; ``service_url`` the national door-plate
    service (``GEO_PORTAL_NATIONAL_DOORPLATE_URL``) the page and API link to.
    """

    recognised: str
    covered: list[str]
    elsewhere: list[str]
    service_url: str


@dataclass(frozen=True)
class RoadSummary:
    """A road (or one of its lanes) named without a number: its extent (WGS84 bbox) and its numbers on each side."""

    name: str  # 光復路二段, 光復路二段298巷
    name_en: str
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    odd: tuple[int, int] | None  # lowest and highest odd number (on the road itself, or in the lane named)
    even: tuple[int, int] | None
    lanes: int  # lanes off the road (0 when a lane is named)
    plates: int
    road_id: int | None = None  # the road's page is /roads/<road_id>


class PlaceKind(models.TextChoices):
    """What a place answer is (the address search also finds places that have no house number)."""

    LANDMARK = "landmark", _("landmark")  # a named building (schools, halls, companies… as the building data names them)
    VILLAGE = "village", _("village")
    NEIGHBORHOOD = "neighborhood", _("neighbourhood")
    AREA = "area", _("named area")  # a place registered in addresses without a road: 光明新村


@dataclass(frozen=True)
class PlaceMatch:
    """A place named in the search text: a landmark, a village, a 鄰 or a named area — where it is and what it holds.

    ``outline`` is a GeoJSON geometry in WGS84: the footprint(s) of a landmark, the village boundary, and for a 鄰 or
    an area (which have no official boundary) a hull drawn around their plates (``outline_approximate``).
    ``addresses`` are door plates there (a landmark's linked plates; none for larger places).
    """

    kind: PlaceKind
    name: str  # 關新里5鄰, 科學二館
    name_en: str  # Neighborhood 5, Guanxin Vil. ('' where the data has no English name: landmarks, areas)
    village: str
    neighborhood: int | None
    lon: float  # a point inside the place (label point)
    lat: float
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    outline: dict | None
    outline_approximate: bool
    plates: int  # active door plates in it (linked plates for a landmark)
    addresses: list[str] = field(default_factory=list)
    building_ids: list[int] = field(default_factory=list)
    neighborhoods: int = 0  # how many 鄰 a village has (plates registered in them)


@dataclass(frozen=True)
class GeocodeResult:
    query: str
    grade: Grade
    hits: list[PlateHit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    outside: OutsideCoverage | None = None  # set when the address lies outside the covered districts
    road: RoadSummary | None = None  # set when a covered road is named without a number
    places: list[PlaceMatch] = field(default_factory=list)  # set when the text names places, not an address


@dataclass(frozen=True)
class ReverseResult:
    hits: list[PlateHit]
    village: str
    village_code: str
    building_id: int | None
