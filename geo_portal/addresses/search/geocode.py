"""Forward geocoding with graded answers: ``geocode(text, limit=...)``, and ``plate_card(id)``.

Public through ``addresses.search`` (used by the API, the public map, service points and batch geocoding).
Design: parse → resolve the road on the small road table (exact name, known alias, then pg_trgm
similarity) → exact lookup on indexed columns → graceful fall-backs, each graded:

- ``exact``: the text was already in canonical form and names one active plate (or one per 鄰);
- ``normalised``: found after normalisation (numerals, 臺/台, 之/-, 樓/F, spacing…);
- ``fuzzy``: the road name had to be corrected (which correction is said);
- ``base``: the floor/之 unit asked for is unknown, the entrance it belongs to is returned;
- ``interpolated``: the number does not exist but lies between two numbers on the same side of the same
  road/lane; the position is interpolated and flagged approximate;
- ``none``: no match; nearby existing numbers are offered as suggestions. A number beyond the end of a
  road, or a road not in the district, never gets a confident answer.
A retired plate's address answers with the plate(s) that replaced it, and says so.
"""

from __future__ import annotations

import re
from dataclasses import replace

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import BigIntegerField, F, Func, QuerySet

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.parsing import Address, parse
from geo_portal.addresses.search import sql as search_sql
from geo_portal.addresses.search.english import english_from_parts, looks_english, parse_english
from geo_portal.addresses.search.results import MAX_LIMIT, GeocodeResult, Grade, PlateHit, plate_hit
from geo_portal.addresses.selectors import filter_by_components
from geo_portal.areas.models import Road, RoadAlias

FUZZY_MIN_SIMILARITY = 0.3
_DASHED_NUMBER = re.compile(r"\d\s*[-－‐‑‒–—―−]\s*\d")


def _hit(plate: DoorPlate) -> PlateHit:
    """A plate of ``_base_queryset`` (with its ``linked_building_id``) as a hit."""
    return plate_hit(
        plate_id=plate.pk,
        address=plate.address,
        x=plate.geom.x,
        y=plate.geom.y,
        address_en=english_address(plate),
        address_en_is_pinyin=bool(plate.road_id and plate.road.name_en_source == "pinyin"),
        zip_code=plate.zip_code,
        village=plate.village.name if plate.village else "",
        neighborhood=plate.neighborhood.number if plate.neighborhood else None,
        building_id=plate.linked_building_id,
    )


def plate_card(plate_id: int) -> PlateHit | None:
    """The public card of one active plate (None when there is no such active plate)."""
    plate = _base_queryset().filter(pk=plate_id, status=DoorPlate.Status.ACTIVE).first()
    return _hit(plate) if plate else None


def english_address(plate: DoorPlate) -> str:
    """MOI-style English address of a plate (see ``english.english_address``)."""
    district = plate.district
    return english_from_parts(
        number_prefix=plate.number_prefix,
        number=plate.number,
        sub_number=plate.sub_number,
        number_suffix=plate.number_suffix,
        floor=plate.floor,
        floor_sub=plate.floor_sub,
        lane=plate.lane,
        alley=plate.alley,
        place=(plate.road.name_en or plate.road.name) if plate.road_id else plate.area,
        district=district.name_en or district.name,
        county=district.county.name_en or district.county.name,
    )


def is_canonical(addr: Address, text: str) -> bool:
    """True when the text was typed exactly in canonical form (with or without village and 鄰)."""
    typed = text.strip()
    return typed in (addr.render(), addr.render(with_village=True))


def _base_queryset() -> QuerySet[DoorPlate]:
    """Plates with what a hit shows: areas through the ORM (a lower app), the building through the read view that
    buildings declares (a higher app: no ``select_related("building_link")``)."""
    building = Func(F("pk"), template=search_sql.PLATE_BUILDING, output_field=BigIntegerField())
    return (
        DoorPlate.objects.using(settings.SEARCH_DB)
        .select_related("village", "neighborhood", "road", "district__county")
        .annotate(linked_building_id=building)
    )


def _resolve_roads(addr: Address) -> tuple[list[Road], str | None, Address]:
    """Roads named by the address: exact, alias, another reading, then trigram similarity.

    Returns (roads, correction or None, the address reading that was used).
    """
    if not addr.road:
        return [], None, addr
    for reading in addr.readings():
        roads = Road.objects.using(settings.SEARCH_DB).filter(name=reading.road_section)
        if reading.district:
            roads = roads.filter(district__name=reading.district)
        found = list(roads)
        if found:
            return found, None, reading
    name = addr.road_section
    alias = RoadAlias.objects.using(settings.SEARCH_DB).filter(alias=name).select_related("road").first()
    if alias:
        return [alias.road], f"road {name} → {alias.road.name} (known alias)", addr
    candidates = list(
        Road.objects.using(settings.SEARCH_DB)
        .annotate(similarity=TrigramSimilarity("name", name))
        .filter(similarity__gte=FUZZY_MIN_SIMILARITY)
        .order_by("-similarity", "name")[:2]
    )
    # Only a clear winner is corrected; two equally similar roads are not guessed between.
    if candidates and (len(candidates) == 1 or candidates[0].similarity > candidates[1].similarity):
        return [candidates[0]], f"road {name} → {candidates[0].name} (similar name)", addr
    return [], None, addr


def _similar_roads(name: str, limit: int = 3) -> list[str]:
    """Road names that look like ``name`` (for suggestions only, never as an answer)."""
    return list(
        Road.objects.using(settings.SEARCH_DB)
        .annotate(similarity=TrigramSimilarity("name", name))
        .filter(similarity__gt=0.1)
        .order_by("-similarity", "name")
        .values_list("name", flat=True)[:limit]
    )


def _lookup(addr: Address, roads: list[Road], *, any_floor: bool = False) -> QuerySet[DoorPlate]:
    return filter_by_components(_base_queryset(), addr, roads=roads, any_floor=any_floor)


def geocode(text: str, *, limit: int = 5) -> GeocodeResult:
    """Find the plate(s) for an address written in any common form. Best answer first."""
    limit = max(1, min(limit, MAX_LIMIT))
    if looks_english(text):
        return _geocode_english(text, limit)
    result = parse(text)
    addr = result.address
    problems = [str(p) for p in result.problems]
    if addr is None or addr.number is None or any(p.field == "road" for p in result.problems):
        return GeocodeResult(text, Grade.NONE, problems=problems)
    roads, correction, addr = _resolve_roads(addr)
    if addr.road and not roads:
        return GeocodeResult(
            text,
            Grade.NONE,
            notes=[f"no road named {addr.road_section} in the loaded districts"],
            suggestions=_similar_roads(addr.road_section),
            problems=problems,
        )
    grade = Grade.FUZZY if correction else (Grade.EXACT if is_canonical(addr, text) else Grade.NORMALISED)
    notes = [correction] if correction else []
    if correction:
        addr = replace(addr, road=roads[0].base_name, section=roads[0].section)  # continue with the corrected road

    active = list(_lookup(addr, roads).filter(status=DoorPlate.Status.ACTIVE).order_by("address_key")[:limit])
    if _DASHED_NUMBER.search(text) and addr.sub_number is not None and addr.number_suffix is None:
        # "101-1" is read as 101之1號, but 101號之1 is a different plate; where both exist, say so.
        other = replace(addr, sub_number=None, number_suffix=addr.sub_number)
        alternatives = list(_lookup(other, roads).filter(status=DoorPlate.Status.ACTIVE).order_by("address_key")[:limit])
        if alternatives and active:
            notes.append(
                f"{addr.number}-{addr.sub_number} is ambiguous: {addr.number}之{addr.sub_number}號 and "
                f"{addr.number}號之{addr.sub_number} are different plates"
            )
            return GeocodeResult(
                text, Grade.NORMALISED, [_hit(p) for p in active + alternatives][:limit], notes, problems=problems
            )
        active = active or alternatives
    if active:
        if len(active) > 1:
            notes.append(f"{len(active)} plates share this address (different 鄰); give the 鄰 to choose")
        return GeocodeResult(text, grade, [_hit(p) for p in active], notes, problems=problems)

    retired = list(_lookup(addr, roads).filter(status=DoorPlate.Status.RETIRED)[:limit])
    successors = [s for p in retired for s in p.successors.filter(status=DoorPlate.Status.ACTIVE)]
    if successors:
        notes.append(f"{retired[0].address} was retired on {retired[0].retired_on}; it is now:")
        successors = list(_base_queryset().filter(pk__in=[s.pk for s in successors]))
        return GeocodeResult(text, grade, [_hit(p) for p in successors[:limit]], notes, problems=problems)

    if addr.floor is not None:
        base = list(_lookup(addr.base(), roads).filter(status=DoorPlate.Status.ACTIVE)[:limit])
        if not base:
            # Some buildings have floor plates but no bare N號 plate: their lowest unit stands for the entrance.
            base = list(
                _lookup(addr.base(), roads, any_floor=True)
                .filter(status=DoorPlate.Status.ACTIVE)
                .order_by("floor", "floor_sub")[:1]
            )
        if base:
            notes.append(f"the unit {addr.number_part()} is not registered; showing its entrance")
            return GeocodeResult(text, Grade.BASE, [_hit(p) for p in base], notes, problems=problems)
    else:
        # Some buildings have floor plates but no bare N號 plate: their lowest unit stands for the entrance.
        units = list(
            _lookup(addr, roads, any_floor=True).filter(status=DoorPlate.Status.ACTIVE).order_by("floor", "floor_sub")[:1]
        )
        if units:
            notes.append("this entrance has only floor plates; showing its lowest unit")
            return GeocodeResult(text, grade, [_hit(units[0])], notes, problems=problems)

    return _interpolate_or_suggest(text, addr, roads, notes, problems)


def _geocode_english(text: str, limit: int) -> GeocodeResult:
    """An MOI-style English address: find the road by its English name, then geocode the Chinese form."""
    english = parse_english(text)
    if english is None:
        return GeocodeResult(
            text,
            Grade.NONE,
            problems=[
                "address: could not read this English address (expected the MOI "
                "form, e.g. No. 101, Sec. 2, Guangfu Rd., East Dist., Hsinchu City)"
            ],
        )
    roads = list(Road.objects.using(settings.SEARCH_DB).filter(name_en__iexact=english.road_name_en)[:2])
    if len(roads) != 1:
        reason = "no road" if not roads else "more than one road"
        return GeocodeResult(text, Grade.NONE, notes=[f"{reason} has the English name {english.road_name_en}"])
    road = roads[0]
    chinese = Address(
        road=road.base_name,
        section=road.section,
        lane=english.lane,
        alley=english.alley,
        number=english.number,
        sub_number=english.sub_number,
        floor=english.floor,
        floor_sub=english.floor_sub,
    ).street()
    found = geocode(chinese, limit=limit)
    grade = Grade.NORMALISED if found.grade == Grade.EXACT else found.grade
    return replace(found, query=text, grade=grade, notes=[f"read as {chinese}", *found.notes])


def _same_side(addr: Address, roads: list[Road]) -> QuerySet[DoorPlate]:
    return (
        DoorPlate.objects.using(settings.SEARCH_DB)
        .active()
        .filter(
            road__in=roads,
            area=addr.area,
            lane=addr.lane,
            alley=addr.alley,
            floor__isnull=True,
            sub_number__isnull=True,
            number_suffix__isnull=True,
        )
    )


def _interpolate_or_suggest(
    text: str, addr: Address, roads: list[Road], notes: list[str], problems: list[str]
) -> GeocodeResult:
    if not roads:
        return GeocodeResult(text, Grade.NONE, notes=notes, problems=problems)
    side = _same_side(addr, roads).annotate(parity=F("number") % 2).filter(parity=addr.number % 2)
    related = ("district__county", "road", "village")
    below = side.filter(number__lt=addr.number).select_related(*related).order_by("-number").first()
    above = side.filter(number__gt=addr.number).select_related(*related).order_by("number").first()
    suggestions = [p.address for p in (below, above) if p]
    if below and above and above.number - below.number <= 20:
        t = (addr.number - below.number) / (above.number - below.number)
        x = below.geom.x + t * (above.geom.x - below.geom.x)
        y = below.geom.y + t * (above.geom.y - below.geom.y)
        hit = plate_hit(
            plate_id=None,
            address=f"{below.district.county.name}{below.district.name}{addr.street()}",
            x=x,
            y=y,
            # Between two plates of the same zip code and village, the gap shares them.
            zip_code=below.zip_code if below.zip_code == above.zip_code else "",
            village=below.village.name if below.village_id and below.village_id == above.village_id else "",
        )
        notes.append(
            f"no plate {addr.street()}; position interpolated between {below.number} and {above.number} "
            "on the same side (approximate)"
        )
        return GeocodeResult(text, Grade.INTERPOLATED, [hit], notes, suggestions, problems)
    if not below and not above:
        notes.append(f"no numbers on this side of {addr.place}{addr.lane and addr.lane + '巷'}")
    else:
        notes.append(f"no plate {addr.street()}; the nearest numbers on the same side are listed as suggestions")
    return GeocodeResult(text, Grade.NONE, notes=notes, suggestions=suggestions, problems=problems)
