"""The plate lookup behind ``geocode``: once the road (or area) is known, the plates of the number(s) asked for are
read — all its units, its 之 numbers, retired plates — and the answer is chosen here.

First only the plates on the floor(s) asked for (the unit itself, the entrance when no floor is said): every plate
that can be the answer itself is among them, and a number of a large building has dozens of units (~44 plates per
query on average for 東區's plates, 423 for the largest). Only when none of them answers are all the number's plates
read, for the fallbacks below.

In order: the unit itself (several for one address under two 鄰, narrowed by a 鄰 when given); with "-" typed, both
之 forms when both exist; number and floor digits that ran together (1015樓), each split that exists; the same floor
registered as 層 rather than 樓 (or the reverse, and either for "5F"/"B1"); a retired plate's successors; the entrance
of an unknown unit (``base``, with the floors that do exist as suggestions); a building number with floor plates only
(its lowest unit); else the nearest numbers on the same side (``interpolated`` between them when they are close,
``none`` otherwise), with the 之 and floor variants of the number typed among the suggestions.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

from geo_portal.addresses.parsing import Address
from geo_portal.addresses.search import sql as search_sql
from geo_portal.addresses.search.english import english_from_parts, english_place
from geo_portal.addresses.search.gazetteer import Gazetteer, RoadInfo
from geo_portal.addresses.search.results import GeocodeResult, Grade, PlateHit, RoadSummary, plate_hit
from geo_portal.addresses.zipcodes.selectors import zip_prefix_fallback

INTERPOLATION_MAX_GAP = 20  # numbers; wider gaps are not interpolated
MAX_SUGGESTIONS = 6


class Row(NamedTuple):
    id: int
    status: str
    road_id: int | None
    district_id: int
    area: str
    lane: str
    alley: str
    prefix: str
    number: int
    sub: int | None
    suffix: int | None
    floor: int | None
    floor_unit: str
    floor_sub: int | None
    address: str
    address_key: str
    zip_code: str
    x: float
    y: float
    village: str | None
    hood: int | None
    building_id: int | None
    retired_on: object


@dataclass(frozen=True)
class Place:
    """Where to look: road ids (empty for an area-only place), the area name, the districts allowed."""

    road_ids: tuple[int, ...]
    area: str
    district_ids: tuple[int, ...]


@dataclass
class Ask:
    """One lookup: the address as read, the grade it earns when found, notes so far, and how it was written."""

    text: str
    address: Address
    place: Place
    grade: Grade
    notes: list[str]
    problems: list[str]
    hood: int | None = None
    dashed: bool = False  # "101-1": 之 before or after 號 is not said
    any_unit: bool = False  # "5F"/"B1": 樓 or 層 is not said
    splits: tuple[tuple[int, int | None, int], ...] = ()


def find(ask: Ask, gz: Gazetteer, *, limit: int) -> GeocodeResult:
    addr = ask.address
    numbers = sorted({addr.number, *(n for n, _sub, _floor in ask.splits)})
    # The floors the plate itself can be on: the one typed, and each split's (1015樓: 5 or 15).
    floors = {addr.floor, *(floor for _n, _sub, floor in ask.splits)}
    found = _found(ask, gz, _rows(ask.place, addr, numbers, floors=floors), limit=limit)
    if found is not None:
        return found
    rows = _rows(ask.place, addr, numbers)
    active = [r for r in rows if r.status == "active"]
    notes = list(ask.notes)

    retired = [r for r in rows if r.status != "active" and _same(r, addr)]
    if retired:
        successors = _successors([r.id for r in retired])
        if successors:
            notes.append(
                _("%(address)s was retired on %(date)s; it is now:")
                % {"address": retired[0].address, "date": retired[0].retired_on}
            )
            return _answer(ask, gz, ask.grade, successors[:limit], notes)

    entrance = [r for r in active if _same(r, addr.base(), any_floor=True)]
    if addr.floor is not None and entrance:
        base = [r for r in entrance if r.floor is None] or sorted(entrance, key=_floor_order)[:1]
        notes.append(_("the unit %(unit)s is not registered; showing its entrance") % {"unit": addr.number_part()})
        floors = sorted((r for r in entrance if r.floor is not None), key=lambda r: abs((r.floor or 0) - addr.floor))
        suggestions = [r.address for r in floors[:MAX_SUGGESTIONS]]
        return _answer(ask, gz, Grade.BASE, base[:limit], notes, suggestions)
    if addr.floor is None and entrance:
        notes.append(_("this entrance has only floor plates; showing its lowest unit"))
        return _answer(ask, gz, ask.grade, sorted(entrance, key=_floor_order)[:1], notes)

    variants = [r.address for r in active if r.floor is None and r.number == addr.number][: MAX_SUGGESTIONS // 2]
    return _interpolate_or_suggest(ask, gz, notes, variants)


def _found(ask: Ask, gz: Gazetteer, rows: list[Row], *, limit: int) -> GeocodeResult | None:
    """The answer when the plate asked for is among ``rows`` (the unit, both 之 forms, a split, 樓 for 層), else None.

    Every plate it can answer with is on a floor ``find`` reads first, so it gives the same answer from those rows as
    from all the number's plates."""
    addr = ask.address
    active = [r for r in rows if r.status == "active"]
    notes = list(ask.notes)
    if ask.splits:
        # 1015樓: 101號5樓, 10號15樓… every split that exists is an answer (two or more: the text is ambiguous).
        found = [
            r
            for number, sub, floor in ask.splits
            for r in active
            if _same(r, replace(addr, number=number, sub_number=sub, floor=floor))
        ]
        if found:
            notes.append(_("read as %(address)s") % {"address": _(" or ").join(dict.fromkeys(_street(r) for r in found))})
    else:
        found = [r for r in active if _same(r, addr)]
    if ask.dashed and addr.sub_number is not None and addr.number_suffix is None:
        other = replace(addr, sub_number=None, number_suffix=addr.sub_number)
        alternatives = [r for r in active if _same(r, other)]
        if found and alternatives:
            notes.append(
                _("%(typed)s is ambiguous: %(before)s and %(after)s are different plates")
                % {
                    "typed": f"{addr.number}-{addr.sub_number}",
                    "before": f"{addr.number}之{addr.sub_number}號",
                    "after": f"{addr.number}號之{addr.sub_number}",
                }
            )
            return _answer(ask, gz, Grade.NORMALISED, (found + alternatives)[:limit], notes)
        found = found or alternatives
    if not found and addr.floor is not None:
        found = [r for r in active if _same(r, addr, any_unit=True)]
        if found and not ask.any_unit:
            notes.append(_("read as %(address)s") % {"address": _street(found[0])})
    if found:
        if ask.hood is not None and len(found) > 1:
            found = [r for r in found if r.hood == ask.hood] or found
        if len(found) > 1 and len({r.address for r in found}) == 1:
            notes.append(
                _("%(count)s plates share this address (different 鄰); give the 鄰 to choose") % {"count": len(found)}
            )
        return _answer(ask, gz, ask.grade, found[:limit], notes)
    return None


def _rows(place: Place, addr: Address, numbers: Sequence[int], *, floors: set[int | None] | None = None) -> list[Row]:
    """The plates of ``numbers`` at the place (all of them, or with ``floors`` only those on these floors)."""
    params = {"numbers": list(numbers), "area": addr.area, "lane": addr.lane, "alley": addr.alley}
    on_roads, in_area = search_sql.PLATES_ON_ROADS, search_sql.PLATES_IN_AREA
    if floors is not None:
        on_roads, in_area = search_sql.PLATES_ON_ROADS_AT_FLOORS, search_sql.PLATES_IN_AREA_AT_FLOORS
        params |= {"floors": sorted(f for f in floors if f is not None), "no_floor": None in floors}
    with connections[settings.SEARCH_DB].cursor() as cur:
        if place.road_ids:
            cur.execute(on_roads, {**params, "roads": list(place.road_ids)})
        else:
            cur.execute(in_area, {**params, "districts": list(place.district_ids)})
        return [Row(*row) for row in cur.fetchall()]


def _successors(ids: list[int]) -> list[Row]:
    with connections[settings.SEARCH_DB].cursor() as cur:
        cur.execute(search_sql.SUCCESSORS, {"ids": ids})
        successor_ids = [row[0] for row in cur.fetchall()]
        if not successor_ids:
            return []
        cur.execute(search_sql.PLATES_BY_ID, {"ids": successor_ids})
        return [Row(*row) for row in cur.fetchall()]


def _same(row: Row, addr: Address, *, any_unit: bool = False, any_floor: bool = False) -> bool:
    if (row.prefix, row.number, row.sub, row.suffix) != (
        addr.number_prefix,
        addr.number,
        addr.sub_number,
        addr.number_suffix,
    ):
        return False
    if any_floor:
        return True
    if addr.floor is None:
        return row.floor is None
    if (row.floor, row.floor_sub) != (addr.floor, addr.floor_sub):
        return False
    return any_unit or row.floor_unit == addr.floor_unit


def _floor_order(row: Row) -> tuple:
    """Entrance first, then by floor and floor sub-number as the database orders them (no sub-number last)."""
    sub = row.floor_sub if row.floor_sub is not None else float("inf")
    return (row.floor is not None, row.floor or 0, sub, row.address_key)


def _street(row: Row) -> str:
    return Address(
        area="",
        lane=row.lane,
        alley=row.alley,
        number_prefix=row.prefix,
        number=row.number,
        sub_number=row.sub,
        number_suffix=row.suffix,
        floor=row.floor,
        floor_unit=row.floor_unit,
        floor_sub=row.floor_sub,
    ).street()


def hit(row: Row, gz: Gazetteer) -> PlateHit:
    road = gz.roads.get(row.road_id) if row.road_id else None
    district = gz.districts.get(row.district_id)
    return plate_hit(
        plate_id=row.id,
        address=row.address,
        x=row.x,
        y=row.y,
        address_en=english_from_parts(
            number_prefix=row.prefix,
            number=row.number,
            sub_number=row.sub,
            number_suffix=row.suffix,
            floor=row.floor,
            floor_sub=row.floor_sub,
            lane=row.lane,
            alley=row.alley,
            place=english_place((road.name_en or road.name) if road else "", row.area),
            district=(district.name_en or district.name) if district else "",
            county=(district.county_en or district.county) if district else "",
        ),
        address_en_is_pinyin=bool(road and road.name_en_is_pinyin),
        zip_code=row.zip_code,
        village=row.village or "",
        neighborhood=row.hood,
        building_id=row.building_id,
        zip_code_partial="" if row.zip_code else zip_partial(gz, row.district_id, road.name if road else row.area),
    )


def zip_partial(gz: Gazetteer, district_id: int, road: str) -> str:
    """The 3 digits the zip-code rules give a plate no 3+3 rule covers (cached per gazetteer: rules change rarely)."""
    district = gz.districts.get(district_id)
    if district is None:
        return ""
    return zip_partial_named(gz, district.county, district.name, road)


def zip_partial_named(gz: Gazetteer, county: str, district: str, road: str) -> str:
    """``zip_partial`` by the district's names (reverse lookup reads names, not ids)."""
    return _zip_partial(gz.signature, county, district, road)


@functools.lru_cache(maxsize=512)
def _zip_partial(_signature: tuple, county: str, district: str, road: str) -> str:
    return zip_prefix_fallback(county=county, district=district, road=road)


def _answer(
    ask: Ask, gz: Gazetteer, grade: Grade, rows: list[Row], notes: list[str], suggestions: list[str] | None = None
) -> GeocodeResult:
    return GeocodeResult(ask.text, grade, [hit(r, gz) for r in rows], notes, suggestions or [], ask.problems)


def _entrance_address(addr: Address, side: tuple, gz: Gazetteer) -> str:
    """The neighbouring number as an entrance (a building with floor plates only is named by its number)."""
    district = gz.districts.get(side[7])
    entrance = Address(
        road=addr.road, section=addr.section, area=addr.area, lane=addr.lane, alley=addr.alley, number=side[0]
    )
    return (district.county + district.name if district else "") + entrance.street()


def _interpolate_or_suggest(ask: Ask, gz: Gazetteer, notes: list[str], variants: list[str]) -> GeocodeResult:
    addr, place = ask.address, ask.place
    params = {
        "area": addr.area,
        "lane": addr.lane,
        "alley": addr.alley,
        "parity": addr.number % 2,
        "number": addr.number,
    }
    with connections[settings.SEARCH_DB].cursor() as cur:
        if place.road_ids:
            cur.execute(search_sql.NEIGHBOURS_ON_ROADS, {**params, "roads": list(place.road_ids)})
        else:
            cur.execute(search_sql.NEIGHBOURS_IN_AREA, {**params, "districts": list(place.district_ids)})
        sides = {row[0]: row[1:] for row in cur.fetchall()}
    below, above = sides.get("below"), sides.get("above")
    suggestions = [_entrance_address(addr, side, gz) for side in (below, above) if side] + variants
    if below and above and above[0] - below[0] <= INTERPOLATION_MAX_GAP:
        t = (addr.number - below[0]) / (above[0] - below[0])
        district = gz.districts.get(below[7])
        prefix = district.county + district.name if district else ""
        interpolated = plate_hit(
            plate_id=None,
            address=f"{prefix}{addr.street()}",
            x=below[2] + t * (above[2] - below[2]),
            y=below[3] + t * (above[3] - below[3]),
            # Between two plates of the same zip code and village, the gap shares them.
            zip_code=below[4] if below[4] == above[4] else "",
            village=(below[6] or "") if below[5] and below[5] == above[5] else "",
        )
        notes.append(
            _("no plate %(street)s; position interpolated between %(below)s and %(above)s on the same side (approximate)")
            % {"street": addr.street(), "below": below[0], "above": above[0]}
        )
        return GeocodeResult(ask.text, Grade.INTERPOLATED, [interpolated], notes, suggestions, ask.problems)
    if not below and not above:
        notes.append(
            _("no numbers on this side of %(place)s") % {"place": addr.place + (f"{addr.lane}巷" if addr.lane else "")}
        )
    else:
        notes.append(
            _("no plate %(street)s; the nearest numbers on the same side are listed as suggestions")
            % {"street": addr.street()}
        )
    return GeocodeResult(ask.text, Grade.NONE, notes=notes, suggestions=suggestions, problems=ask.problems)


def road_summary(road: RoadInfo, place: Place, addr: Address) -> RoadSummary | None:
    """Extent and number ranges of a road (or of the lane/alley named), None when it has no active plate."""
    params = {"roads": list(place.road_ids), "area": place.area, "lane": addr.lane, "alley": addr.alley}
    with connections[settings.SEARCH_DB].cursor() as cur:
        cur.execute(search_sql.ROAD_SUMMARY, params)
        x0, y0, x1, y1, odd_min, odd_max, even_min, even_max, lanes, plates = cur.fetchone()
    if not plates:
        return None
    lane = (f"{addr.lane}巷" if addr.lane else "") + (f"{addr.alley}弄" if addr.alley else "")
    english = ", ".join(
        p for p in (f"Aly. {addr.alley}" if addr.alley else "", f"Ln. {addr.lane}" if addr.lane else "") if p
    )
    return RoadSummary(
        name=road.name + place.area + lane,
        name_en=", ".join(p for p in (english, road.name_en) if p),
        bbox=(round(x0, 6), round(y0, 6), round(x1, 6), round(y1, 6)),
        odd=(odd_min, odd_max) if odd_min is not None else None,
        even=(even_min, even_max) if even_min is not None else None,
        lanes=lanes,
        plates=plates,
        road_id=road.id,
    )
