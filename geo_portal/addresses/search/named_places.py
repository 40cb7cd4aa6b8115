"""Places named without a house number: landmarks (named buildings), villages (村里), 鄰 and named areas (地區).

Called by ``geocode`` when the text holds no address it can look up (no number, no road): 關新里, 關新里5鄰,
新竹市東區關新里, 東區科學二館, 光明新村. The answer is ``none`` (no door plate was asked for) with ``places`` set —
what kind of place it is, a point inside it, its extent and outline — so that the map can show it. A village has its
boundary; a 鄰 or an area has none in any official data, so its outline is a hull drawn around its plates and is
flagged approximate. Landmark names come from the building layers (OSM ``name``, loaded by ``import_buildings``) and
are read through ``buildings_named_v``; several footprints with one name (梅竹山莊) are one landmark. A name typed in
part (圖書資訊) finds the landmarks whose names contain it (at most ``MAX_PARTIAL``), and says so.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

from geo_portal.addresses.search import sql as search_sql
from geo_portal.addresses.search.gazetteer import Gazetteer, name_key
from geo_portal.addresses.search.places import admin_covered
from geo_portal.addresses.search.reading import Admin, admin_readings
from geo_portal.addresses.search.results import GeocodeResult, Grade, PlaceKind, PlaceMatch
from geo_portal.addresses.variants import to_traditional

MAX_PARTIAL = 5  # landmarks offered for a name typed in part
MIN_PARTIAL = 2  # characters: one character matches too much to be a place name
LANDMARK_ADDRESSES = 5


def find_places(text: str, gz: Gazetteer) -> GeocodeResult | None:
    """The place(s) the text names, or None when it names none (the caller then answers as before)."""
    readings = [(admin, rest) for admin, rest in admin_readings(text, gz) if admin_covered(admin, gz)]
    for admin, rest in readings:
        if rest or not admin.village or admin.village not in gz.villages:
            continue
        districts = _districts(admin, gz)
        return _village_or_hood(text, admin, districts)
    for admin, rest in readings:
        if not rest or admin.village or admin.hood is not None:
            continue
        districts = _districts(admin, gz)
        name = gz.landmarks.get(name_key(rest))
        if name is not None:
            place = _landmark(name)
            if place is not None:
                return _result(text, [place], [_("%(name)s: a landmark (named building)") % {"name": name}])
        if any(d in districts and road is None for d, road in gz.areas.get(rest, ())):
            place = _area(rest, districts)
            if place is not None:
                note = _("%(name)s: a named area; its outline is drawn around its %(count)s door plates (approximate)")
                return _result(text, [place], [note % {"name": rest, "count": place.plates}])
    for admin, rest in readings:
        if len(rest) < MIN_PARTIAL or admin.village or admin.hood is not None:
            continue
        # 科學二 typed in part is normalised to 科學2: the typed characters are tried as well.
        keys = {name_key(rest), re.sub(r"\s+", "", to_traditional(text, gz.chars))}
        names = sorted({name for k, name in gz.landmarks.items() if any(t in k for t in keys)}, key=lambda n: (len(n), n))
        places = [p for p in (_landmark(n) for n in names[:MAX_PARTIAL]) if p is not None]
        if places:
            note = _("no address; %(count)s landmarks whose names contain %(text)s") % {"count": len(places), "text": rest}
            return _result(text, places, [note])
    return None


def _districts(admin: Admin, gz: Gazetteer) -> list[int]:
    return [
        d.id
        for d in gz.covered
        if (not admin.county or d.county == admin.county) and (not admin.district or d.name == admin.district)
    ]


def _result(text: str, places: list[PlaceMatch], notes: list[str]) -> GeocodeResult:
    return GeocodeResult(text, Grade.NONE, notes=notes, places=places)


def _village_or_hood(text: str, admin: Admin, districts: list[int]) -> GeocodeResult | None:
    with connections[settings.SEARCH_DB].cursor() as cur:
        cur.execute(search_sql.VILLAGE_PLACE, {"name": admin.village, "districts": districts})
        rows = cur.fetchall()
        if admin.hood is None:
            places = [_village(row) for row in rows]
            if not places:
                return None
            note = _("%(name)s: a village with %(hoods)s neighbourhoods and %(count)s door plates") % {
                "name": admin.village,
                "hoods": places[0].neighborhoods,
                "count": places[0].plates,
            }
            return _result(text, places, [note])
        cur.execute(search_sql.NEIGHBORHOOD_PLACE, {"village": admin.village, "districts": districts, "hood": admin.hood})
        row = cur.fetchone()
        if row is None:
            cur.execute(search_sql.VILLAGE_HOODS, {"village": admin.village, "districts": districts})
            hoods = [n for (n,) in cur.fetchall()]
    if row is not None:
        village_en = rows[0][2] if rows else ""
        place = _hull_place(
            PlaceKind.NEIGHBORHOOD,
            f"{admin.village}{admin.hood}鄰",
            f"Neighborhood {admin.hood}, {village_en}" if village_en else "",
            row,
            village=admin.village,
            neighborhood=admin.hood,
        )
        note = _("%(name)s: a neighbourhood; its outline is drawn around its %(count)s door plates (approximate)")
        return _result(text, [place], [note % {"name": place.name, "count": place.plates}])
    if not hoods:
        return None
    note = _(
        "%(village)s has no neighbourhood %(hood)s with door plates; its neighbourhoods are numbered %(first)s to %(last)s"
    ) % {
        "village": admin.village,
        "hood": admin.hood,
        "first": hoods[0],
        "last": hoods[-1],
    }
    return GeocodeResult(
        text,
        Grade.NONE,
        notes=[note],
        suggestions=[f"{admin.village}{n}鄰" for n in _closest(hoods, admin.hood)],
        places=[_village(row) for row in rows],
    )


def _closest(numbers: list[int], wanted: int, count: int = 3) -> list[int]:
    return sorted(sorted(numbers, key=lambda n: (abs(n - wanted), n))[:count])


def _bbox(row) -> tuple[float, float, float, float]:
    return tuple(round(v, 6) for v in row)  # type: ignore[return-value]


def _village(row) -> PlaceMatch:
    _id, name, name_en, _district, outline, lon, lat, x0, y0, x1, y1, plates, hoods = row
    return PlaceMatch(
        kind=PlaceKind.VILLAGE,
        name=name,
        name_en=name_en,
        village=name,
        neighborhood=None,
        lon=round(lon, 6),
        lat=round(lat, 6),
        bbox=_bbox((x0, y0, x1, y1)),
        outline=json.loads(outline),
        outline_approximate=False,
        plates=plates,
        neighborhoods=hoods,
    )


def _hull_place(kind: PlaceKind, name: str, name_en: str, row, *, village: str = "", neighborhood=None) -> PlaceMatch:
    plates, outline, lon, lat, x0, y0, x1, y1 = row
    return PlaceMatch(
        kind=kind,
        name=name,
        name_en=name_en,
        village=village,
        neighborhood=neighborhood,
        lon=round(lon, 6),
        lat=round(lat, 6),
        bbox=_bbox((x0, y0, x1, y1)),
        outline=json.loads(outline),
        outline_approximate=True,
        plates=plates,
    )


def _area(name: str, districts: list[int]) -> PlaceMatch | None:
    with connections[settings.SEARCH_DB].cursor() as cur:
        cur.execute(search_sql.AREA_PLACE, {"area": name, "districts": districts})
        row = cur.fetchone()
    return _hull_place(PlaceKind.AREA, name, "", row) if row else None


def _landmark(name: str) -> PlaceMatch | None:
    with connections[settings.SEARCH_DB].cursor() as cur:
        cur.execute(search_sql.LANDMARK_PLACE, {"name": name})
        row = cur.fetchone()
        if row is None:
            return None
        ids, outline, lon, lat, x0, y0, x1, y1 = row
        cur.execute(search_sql.LANDMARK_PLATES, {"ids": ids, "limit": LANDMARK_ADDRESSES})
        linked = cur.fetchall()
    return PlaceMatch(
        kind=PlaceKind.LANDMARK,
        name=name,
        name_en="",
        village="",
        neighborhood=None,
        lon=round(lon, 6),
        lat=round(lat, 6),
        bbox=_bbox((x0, y0, x1, y1)),
        outline=json.loads(outline),
        outline_approximate=False,
        plates=linked[0][0] if linked else 0,
        addresses=[address for _n, address in linked],
        building_ids=list(ids),
    )
