"""A plan item's new address in every form the preview, the letters and the apply need.

Roads are named in items by their text (光復路二段): ``RoadBook`` resolves a name to the district's road, or to an
unsaved ``Road`` (base name and section read by the address parser, English by the pinyin fallback) when the plan
introduces it, so the canonical address, the 3+3 zip code (the post office's rules, ``addresses.zipcodes``) and
the MOI English address can be shown before anything is written. Called by ``preview``, ``services`` and
``printing``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from geo_portal.addresses.models import ZipCodeRule
from geo_portal.addresses.parsing import parse
from geo_portal.addresses.plates import CanonicalAddress, Components, PlateRefused, canonical_address
from geo_portal.addresses.search.english import english_from_parts, english_place
from geo_portal.addresses.zipcodes.rules import ZipRule, find_zip, parse_scope
from geo_portal.areas.models import District, Road
from geo_portal.areas.romanize import road_english
from geo_portal.renumbering.rules import NewAddress


class RoadNameRefused(ValueError):
    pass


def _road_from_name(district: District, name: str) -> Road:
    """An unsaved road of the district read from its name; RoadNameRefused when the parser reads it otherwise."""
    result = parse(f"{district.county.name}{district.name}{name}1號")
    address = result.address
    if not result.ok or address is None or not address.road or address.road_section != name:
        raise RoadNameRefused(f"{name!r} is not a road name the address parser reads back (e.g. 光復路二段)")
    english = road_english(address.road)
    return Road(
        district=district,
        name=name,
        base_name=address.road,
        section=address.section,
        name_en=f"Sec. {address.section}, {english}" if address.section else english,
        name_en_source="pinyin",
    )


@dataclass(frozen=True)
class Resolved:
    canonical: CanonicalAddress | None
    error: str  # why the address is not valid ("" when it is)
    zip_code: str
    english: str
    text: str = ""  # the new address as written, when it was not read back (``RoadBook.resolve_unchecked``)


class RoadBook:
    """The district's roads by name (and the roads a plan introduces), with their zip rules, for one preview."""

    def __init__(self, district: District):
        self.district = District.objects.select_related("county").get(pk=district.pk)
        self.roads: dict[str, Road] = {r.name: r for r in Road.objects.filter(district=self.district)}
        self._zip: dict[str, list[ZipRule]] | None = None

    def road(self, name: str) -> Road:
        if name not in self.roads:
            self.roads[name] = _road_from_name(self.district, name)
        return self.roads[name]

    def is_new(self, name: str) -> bool:
        return bool(name) and (name not in self.roads or self.roads[name].pk is None)

    def _rules(self) -> dict[str, list[ZipRule]]:
        if self._zip is None:
            rules: dict[str, list[ZipRule]] = defaultdict(list)
            stored = ZipCodeRule.objects.filter(county=self.district.county.name, district=self.district.name)
            for r in stored.iterator(chunk_size=5000):
                rules[r.road].append(parse_scope(r.zip_code, r.road, r.scope, r.position))
            self._zip = rules
        return self._zip

    def components(self, new: NewAddress) -> Components:
        return Components(
            road=self.road(new.road_name) if new.road_name else None,
            area=new.area,
            lane=new.lane,
            alley=new.alley,
            number_prefix=new.number_prefix,
            number=new.number,
            sub_number=new.sub_number,
            number_suffix=new.number_suffix,
            floor=new.floor,
            floor_unit=new.floor_unit,
            floor_sub=new.floor_sub,
        )

    def zip_code(self, new: NewAddress) -> str:
        rules = self._rules()
        candidates = rules.get(new.road_name + new.area) or rules.get(new.road_name or new.area)
        if not candidates:
            return ""
        rule = find_zip(
            candidates, lane=new.lane, alley=new.alley, number=new.number, sub_number=new.sub_number, floor=new.floor
        )
        return rule.zip_code if rule else ""

    def resolve_unchecked(self, new: NewAddress) -> Resolved:
        """Only what the apply needs of the preview: the road known or readable, the zip code (no canonical
        address, no English: the plates' write reads each address back itself)."""
        try:
            components = self.components(new)
        except RoadNameRefused as exc:
            return Resolved(None, str(exc), "", "")
        text = self.district.county.name + self.district.name + components.as_address().street()
        return Resolved(None, "", self.zip_code(new), "", text)

    def resolve(self, new: NewAddress) -> Resolved:
        try:
            components = self.components(new)
            canonical = canonical_address(district=self.district, components=components, neighborhood=new.neighborhood)
        except RoadNameRefused as exc:
            return Resolved(None, str(exc), "", "")
        except PlateRefused as exc:
            return Resolved(None, str(exc), "", "")
        road = components.road
        english = english_from_parts(
            number_prefix=new.number_prefix,
            number=new.number,
            sub_number=new.sub_number,
            number_suffix=new.number_suffix,
            floor=new.floor,
            floor_sub=new.floor_sub,
            lane=new.lane,
            alley=new.alley,
            place=english_place(road.name_en or road.name if road else "", new.area),
            district=self.district.name_en or self.district.name,
            county=self.district.county.name_en or self.district.county.name,
        )
        zip_code = self.zip_code(new)
        return Resolved(canonical, "", zip_code, f"{english} {zip_code[:3]}".strip() if zip_code else english)
