"""Forward geocoding with graded answers: ``geocode(text, limit=...)``, and ``plate_card(id)``.

Public through ``addresses.search`` (used by the API, the public map, service points and batch geocoding).
Design: read the text (``reading``: variant characters, every reading of the administrative prefix; English through
``english``) → resolve the road in memory (``gazetteer``: exact name, known alias, the name with its type word left
out, a one-character slip) → one indexed statement for the plates of that number (``lookup``) → graded answer:

- ``exact``: the text was already in canonical form and names one active plate (or one per 鄰);
- ``normalised``: found after normalisation (numerals, 臺/台, simplified characters, 之/-, 樓/F, spacing, English…);
- ``fuzzy``: the road name had to be corrected (which correction is said);
- ``base``: the floor/之 unit asked for is unknown, the entrance it belongs to is returned;
- ``interpolated``: the number does not exist but lies between two numbers on the same side of the same
  road/lane; the position is interpolated and flagged approximate;
- ``none``: no match; nearby existing numbers are offered as suggestions.

Places named without a number (a landmark, a village, a 鄰, a named area) are answered ``none`` with ``places`` set
(``named_places``): where the place is and what kind of place it is.

Honest answers outside coverage: an address that names another county or district (臺北市…, 新竹市北區…, 香山區…), or a
road that is not in the covered districts but is a real road elsewhere (the national road-name tables), gets
``none`` with ``outside`` set — what was recognised, the covered districts, the national door-plate service — and is
never "corrected" into a road of the district. Notes are in the active language (the request's).
A retired plate's address answers with the plate(s) that replaced it, and says so.
"""

from __future__ import annotations

import re
from dataclasses import replace

from django.conf import settings
from django.db.models import BigIntegerField, F, Func, QuerySet
from django.utils.translation import gettext as _

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.parsing import Address, parse
from geo_portal.addresses.search import sql as search_sql
from geo_portal.addresses.search.english import english_from_parts, english_place, looks_english
from geo_portal.addresses.search.english_geocode import geocode_english
from geo_portal.addresses.search.gazetteer import Gazetteer, gazetteer
from geo_portal.addresses.search.lookup import Ask, Place, find, road_summary, zip_partial
from geo_portal.addresses.search.named_places import find_places
from geo_portal.addresses.search.places import (
    admin_covered,
    covered_names,
    outside_admin,
    outside_result,
    outside_road,
    resolve_place,
    similar_place,
    similar_roads,
)
from geo_portal.addresses.search.reading import Reading, readings
from geo_portal.addresses.search.results import MAX_LIMIT, GeocodeResult, Grade, PlateHit, plate_hit

_WRITTEN_NUMBER = re.compile(r"[\d０-９號号]")
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
        zip_code_partial=""
        if plate.zip_code
        else zip_partial(gazetteer(), plate.district_id, plate.road.name if plate.road_id else plate.area),
    )


def plate_card(plate_id: int) -> PlateHit | None:
    """The public card of one active plate (None when there is no such active plate)."""
    plate = _base_queryset().filter(pk=plate_id, status=DoorPlate.Status.ACTIVE).first()
    return _hit(plate) if plate else None


def english_address(plate: DoorPlate) -> str:
    """MOI-style English address of a plate (see ``english.english_from_parts``)."""
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
        place=english_place(plate.road.name_en or plate.road.name if plate.road_id else "", plate.area),
        district=district.name_en or district.name,
        county=district.county.name_en or district.county.name,
    )


def is_canonical(addr: Address, text: str) -> bool:
    """True when the text was typed exactly in canonical form (with or without village and 鄰)."""
    typed = text.strip()
    return typed in (addr.render(), addr.render(with_village=True))


def _base_queryset() -> QuerySet[DoorPlate]:
    """Plates with what a card shows: areas through the ORM (a lower app), the building through the read view that
    buildings declares (a higher app: no ``select_related("building_link")``)."""
    building = Func(F("pk"), template=search_sql.PLATE_BUILDING, output_field=BigIntegerField())
    return (
        DoorPlate.objects.using(settings.SEARCH_DB)
        .select_related("village", "neighborhood", "road", "district__county")
        .annotate(linked_building_id=building)
    )


def geocode(text: str, *, limit: int = 5) -> GeocodeResult:
    """Find the plate(s) for an address written in any common form. Best answer first."""
    limit = max(1, min(limit, MAX_LIMIT))
    if not isinstance(text, str) or not text.strip() or len(text) > 200:
        result = parse(text)
        return GeocodeResult(text, Grade.NONE, problems=[str(p) for p in result.problems])
    gz = gazetteer()
    if looks_english(text):
        return geocode_english(text, gz, limit=limit)
    found, _typed = readings(text, gz)
    usable = [r for r in found if r.address.number is not None and not any(p.field == "road" for p in r.problems)]
    if not usable:
        result = parse(text)
        problems = [str(p) for p in result.problems] or [str(p) for r in found[:1] for p in r.problems]
        problems = problems or ["number: missing house number (號)"]
        return (
            _road_only(text, found, gz, problems)
            or find_places(text, gz)
            or GeocodeResult(text, Grade.NONE, problems=problems)
        )
    problems = [str(p) for p in usable[0].problems]

    for reading in usable:
        if not admin_covered(reading.admin, gz):
            continue
        place, correction = resolve_place(reading, gz)
        if place is not None:
            return find(_ask(text, reading, place, correction, problems, gz), gz, limit=limit)

    if not _WRITTEN_NUMBER.search(text):
        # No 號 and no digit: 科學二 is part of a landmark's name before it is road 科學 number 2 elsewhere.
        places = find_places(text, gz)
        if places is not None:
            return places
    for reading in usable:
        recognised = outside_admin(reading.admin, gz)
        if recognised:
            return _outside_admin(text, gz, recognised, reading, problems)
    best = next((r for r in usable if admin_covered(r.admin, gz)), usable[0])
    elsewhere = outside_road(best.address, gz)
    if elsewhere is not None:
        return outside_result(
            text,
            gz,
            recognised=best.address.road_section or best.address.area,
            road=True,
            elsewhere=elsewhere,
            suggestions=similar_roads(best.address.road_section or best.address.area, gz),
            problems=problems,
        )
    place, correction = similar_place(best, gz)
    if place is not None:
        return find(_ask(text, best, place, correction, problems, gz), gz, limit=limit)
    name = best.address.road_section or best.address.area
    return GeocodeResult(
        text,
        Grade.NONE,
        notes=[_("no road named %(road)s in %(area)s") % {"road": name, "area": covered_names(gz)}],
        suggestions=similar_roads(name, gz),
        problems=problems,
    )


def _road_only(text: str, found: list[Reading], gz: Gazetteer, problems: list[str]) -> GeocodeResult | None:
    """A covered road (or lane) named without a number, as chosen from the type-ahead: its extent and numbers."""
    for reading in found:
        addr = reading.address
        if addr.number is not None or any(p.field == "road" for p in reading.problems):
            continue
        if not admin_covered(reading.admin, gz):
            continue
        place, correction = resolve_place(reading, gz)
        if place is None or not place.road_ids:
            continue
        road = gz.roads[place.road_ids[0]]
        summary = road_summary(road, place, addr)
        if summary is None:
            continue
        notes = [correction] if correction else []
        notes.append(_("a road without a house number: showing where it lies and its numbers"))
        return GeocodeResult(text, Grade.NONE, notes=notes, problems=problems, road=summary)
    for reading in found:
        if reading.address.number is not None:
            continue
        recognised = outside_admin(reading.admin, gz)
        elsewhere = None if recognised else outside_road(reading.address, gz)
        if recognised or elsewhere is not None:
            name = recognised or reading.address.road_section or reading.address.area
            return outside_result(
                text,
                gz,
                recognised=name,
                road=not recognised,
                elsewhere=elsewhere or [],
                suggestions=[],
                problems=problems,
            )
    return None


def _ask(text: str, reading: Reading, place: Place, correction: str | None, problems: list[str], gz: Gazetteer) -> Ask:
    addr = reading.address
    if place.road_ids:
        # The road as registered (a left-out type word, an alias or a slip corrected): the lookup reads its plates.
        road = gz.roads[place.road_ids[0]]
        addr = replace(addr, road=road.base_name, section=road.section, area=place.area)
    full = replace(
        addr,
        county=reading.admin.county,
        district=reading.admin.district,
        village=reading.admin.village,
        neighborhood=reading.admin.hood,
        zip_code="",
    )
    grade = Grade.FUZZY if correction else (Grade.EXACT if is_canonical(full, text) else Grade.NORMALISED)
    return Ask(
        text=text,
        address=addr,
        place=place,
        grade=grade,
        notes=[correction] if correction else [],
        problems=problems,
        hood=reading.admin.hood,
        dashed=bool(_DASHED_NUMBER.search(text)),
        splits=reading.splits,
    )


def _outside_admin(text: str, gz: Gazetteer, recognised: str, reading: Reading, problems: list[str]) -> GeocodeResult:
    """Another county or district: the same street address in a covered district of that city is offered (never
    opened) when it exists, and so it is when the county named has no district of that name (新竹縣東區: a slip)."""
    suggestions: list[str] = []
    admin = reading.admin
    known = gz.national().districts.get(admin.county, set())
    slip = bool(known) and admin.district in {d.name for d in gz.covered} and admin.district not in known
    if not admin.county or slip or any(d.county == admin.county for d in gz.covered):
        bare = replace(reading, admin=replace(reading.admin, county="", district=""))
        place, _correction = resolve_place(bare, gz)
        if place is not None:
            probe = find(_ask(text, bare, place, None, problems, gz), gz, limit=1)
            if probe.hits and probe.grade in (Grade.EXACT, Grade.NORMALISED):
                suggestions.append(probe.hits[0].address)
    return outside_result(
        text, gz, recognised=recognised, road=False, elsewhere=[], suggestions=suggestions, problems=problems
    )
