"""Geocoding an English address: the components read by ``english.parse_english``, the road found by its English
name in the gazetteer (Rd/Road, N./North, 5th/5 and apostrophes do not matter; a name two roads share, like Yumin St.
for 育民街 and 裕民街, is looked up on both), then the same plate lookup as a Chinese address.

A city or district named in English that is not covered ("Zhongzheng Dist., Taipei City", "Hsinchu County"), or an
English road name that belongs to a road elsewhere (the national zh→en table), is answered as outside coverage.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from geo_portal.addresses.parsing import Address, parse
from geo_portal.addresses.search.english import EnglishAddress, parse_english
from geo_portal.addresses.search.gazetteer import Gazetteer, english_key
from geo_portal.addresses.search.lookup import Ask, Place, find
from geo_portal.addresses.search.places import outside_result, resolve_place
from geo_portal.addresses.search.reading import Admin, Reading
from geo_portal.addresses.search.results import GeocodeResult, Grade

UNREADABLE = (
    "address: could not read this English address (expected the MOI form, e.g. No. 101, Sec. 2, Guangfu Rd., East "
    "Dist., Hsinchu City)"
)


def geocode_english(text: str, gz: Gazetteer, *, limit: int) -> GeocodeResult:
    english = parse_english(text)
    if english is None:
        return GeocodeResult(text, Grade.NONE, problems=[UNREADABLE])
    districts, outside = _districts(english, gz)
    if outside:
        return outside_result(text, gz, recognised=outside, road=False, elsewhere=[], suggestions=[], problems=[])
    if english.chinese_place:
        return _chinese_place(text, english, districts, gz, limit)
    key = english_key(english.road_en)
    ids = _roads(key, english.section, districts, gz)
    if not ids:
        national = gz.national()
        chinese = national.english_roads.get(key)
        if chinese:
            places = sorted({c + d for name in chinese for c, d in national.road_places.get(name, set())})
            return outside_result(
                text,
                gz,
                recognised=f"{english.road_name_en} ({'、'.join(chinese[:3])})",
                road=True,
                elsewhere=places,
                suggestions=[],
                problems=[],
            )
        return GeocodeResult(
            text, Grade.NONE, notes=[_("no road has the English name %(name)s") % {"name": english.road_name_en}]
        )
    roads = [gz.roads[i] for i in ids]
    notes = []
    if len({r.name for r in roads}) > 1:
        notes.append(
            _("%(name)s is the English name of %(roads)s")
            % {"name": english.road_name_en, "roads": "、".join(sorted({r.name for r in roads}))}
        )
    by_name: dict[str, list[int]] = {}
    for road in roads:
        by_name.setdefault(road.name, []).append(road.id)
    answers = []
    for _name, road_ids in sorted(by_name.items()):
        road = gz.roads[road_ids[0]]
        addr = _address(english, road.base_name, road.section, english.area)
        ask = Ask(
            text=text,
            address=addr,
            place=Place(tuple(road_ids), english.area, districts),
            grade=Grade.NORMALISED,
            notes=[*notes, _("read as %(address)s") % {"address": addr.street()}],
            problems=[],
            dashed=english.sub_number is not None,
            any_unit=True,
        )
        answers.append(find(ask, gz, limit=limit))
    confident = [a for a in answers if a.grade in (Grade.EXACT, Grade.NORMALISED, Grade.FUZZY)]
    if len(confident) == 1 or (confident and len(answers) == 1):
        return confident[0]
    if len(confident) > 1:
        hits = [h for a in confident for h in a.hits][:limit]
        return GeocodeResult(text, Grade.NORMALISED, hits, confident[0].notes, [], [])
    return answers[0]


def _districts(english: EnglishAddress, gz: Gazetteer) -> tuple[tuple[int, ...], str]:
    """Covered district ids the English names allow, or the recognised place when it is not covered."""
    covered = gz.covered
    if english.city_en:
        city = english_key(english.city_en)
        covered = [d for d in covered if english_key(d.county_en) == city]
    if english.district_en:
        district = english_key(english.district_en)
        covered = [d for d in covered if english_key(d.name_en.replace("Dist.", "")) == district]
    if not covered:
        named = ", ".join(p for p in (f"{english.district_en} Dist." if english.district_en else "", english.city_en) if p)
        return (), named
    return tuple(d.id for d in covered), ""


def _roads(key: str, section: int | None, districts: tuple[int, ...], gz: Gazetteer) -> list[int]:
    ids = gz.by_english.get((key, section), [])
    if not ids and section is None:
        # The section left out: every section of the road, and the number decides.
        ids = [i for (k, _s), road_ids in gz.by_english.items() if k == key for i in road_ids]
    return [i for i in ids if gz.roads[i].district_id in districts]


def _address(english: EnglishAddress, road: str, section: int | None, area: str) -> Address:
    floor = english.floor
    return Address(
        road=road,
        section=section,
        area=area,
        lane=english.lane,
        alley=english.alley,
        number=english.number,
        sub_number=english.sub_number,
        number_suffix=english.number_suffix,
        floor=floor,
        floor_unit="室" if english.cellar else "",
        floor_sub=english.floor_sub,
    )


def _chinese_place(
    text: str, english: EnglishAddress, districts: tuple[int, ...], gz: Gazetteer, limit: int
) -> GeocodeResult:
    """ "No. 5, 光明新村, East Dist.": the place is Chinese inside the English."""
    parsed = parse(f"{english.road_en}1號").address
    if parsed is None:
        return GeocodeResult(text, Grade.NONE, problems=[UNREADABLE])
    addr = _address(english, parsed.road, parsed.section, parsed.area)
    reading = Reading(Admin(), addr, ())
    place, correction = resolve_place(reading, gz)
    if place is None:
        return GeocodeResult(text, Grade.NONE, problems=[UNREADABLE])
    place = Place(place.road_ids, place.area, tuple(d for d in place.district_ids if d in districts))
    ask = Ask(
        text=text,
        address=addr,
        place=place,
        grade=Grade.FUZZY if correction else Grade.NORMALISED,
        notes=[n for n in (correction, _("read as %(address)s") % {"address": addr.street()}) if n],
        problems=[],
        dashed=english.sub_number is not None,
        any_unit=True,
    )
    return find(ask, gz, limit=limit)
