"""Type-ahead for addresses, the way people type them: road first, then the number on that road, then units.

``autocomplete(text)`` returns at most 10 ``Suggestion`` entries, each with the text to put in the search box.
Places come with the roads (villages by their first characters, landmarks by any part of their name, a 鄰 typed
after its village); the geocoder answers them with ``places``.
Roads come from the small road table (Chinese prefix or substring, including 1–2 characters, or English);
numbers and units come from a prefix scan on the canonical street key (C collation, so ``LIKE 'prefix%'``
uses the btree index).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from django.conf import settings
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Length

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.parsing import CHARACTER_MAP, Address, normalize_text, parse
from geo_portal.addresses.search.gazetteer import Gazetteer, gazetteer, name_key, place_key
from geo_portal.addresses.variants import to_traditional
from geo_portal.areas.models import Road
from geo_portal.core.numerals import int_to_cn

MAX_SUGGESTIONS = 10
_HAS_DIGIT = re.compile(r"\d")
_ENGLISH = re.compile(r"^[A-Za-z][A-Za-z .'-]*$")
_TRAILING_DIGITS_AFTER_NUMBER = re.compile(r"號(\d+)$")
_ADMIN_PREFIX = re.compile(r"^(?:\d{3,6})?(?:臺灣省?)?(?:[^\d]{2}[縣市])?(?:[^\d]{1,3}?區)?")


_HOOD_TYPED = re.compile(r"^(\D+?[里村])(\d{1,3})鄰?$")
MAX_PLACES = 3  # places (villages, 鄰, landmarks) offered beside roads


@dataclass(frozen=True)
class Suggestion:
    text: str  # what goes into the search box
    kind: str  # "road", "address", or a place: "village", "neighborhood", "landmark" (geocode answers with ``places``)
    label: str  # what the list shows (may carry the English name)
    plate_id: int | None = None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _roads(text: str, limit: int) -> list[Suggestion]:
    if _ENGLISH.match(text):
        roads = (
            Road.objects.using(settings.SEARCH_DB)
            .filter(name_en__icontains=text.strip())
            .order_by(Length("name_en"), "name_en")[:limit]
        )
        return [Suggestion(r.name, "road", f"{r.name} {r.name_en}") for r in roads]
    rank = Case(
        When(name=text, then=Value(0)),
        When(name__startswith=text, then=Value(1)),
        When(base_name__startswith=text, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    roads = (
        Road.objects.using(settings.SEARCH_DB)
        .filter(Q(name__contains=text) | Q(aliases__alias__contains=text))
        .annotate(rank=rank)
        .order_by("rank", Length("name"), "name")
        .distinct()[:limit]
    )
    return [Suggestion(r.name, "road", f"{r.name} {r.name_en}".strip()) for r in roads]


def _registered(reading: Address, gz: Gazetteer) -> Address:
    """The road as registered when its type word was left out (光復二段 → 光復路二段, 東門 → 東門街)."""
    if reading.road_section in gz.by_name or reading.area in gz.areas:
        return reading
    section = f"{int_to_cn(reading.section)}段" if reading.section else ""
    key = place_key(reading.road) + section if reading.road else place_key(reading.area)
    names = {gz.roads[i].name for i in gz.by_stem.get(key, [])}
    if len(names) == 1:
        road = gz.roads[gz.by_stem[key][0]]
        return replace(reading, road=road.base_name, section=road.section, area=reading.area if reading.road else "")
    return reading


def _street_prefixes(text: str, gz: Gazetteer) -> list[str]:
    """Canonical street-key prefixes for a partly typed address (光復路2段10 → 光復路二段10), one per reading."""
    typed, _ = normalize_text(text)
    trailing = _TRAILING_DIGITS_AFTER_NUMBER.search(typed)
    if trailing:
        # 101號1 is a floor being typed (1樓, 10樓…): complete the entrance, then append the digits.
        head = text[: len(text) - len(trailing.group(1))].rstrip()
        return [p + trailing.group(1) for p in _street_prefixes(head, gz)]
    addr = parse(text).address
    if addr is None or not (addr.road or addr.area):
        return []
    prefixes = []
    for reading in (_registered(r, gz) for r in addr.readings()):
        head = (
            reading.place + (f"{reading.lane}巷" if reading.lane else "") + (f"{reading.alley}弄" if reading.alley else "")
        )
        if reading.number is None:
            prefixes.append(head)
        elif (
            reading.floor is None
            and reading.sub_number is None
            and reading.number_suffix is None
            and not typed.endswith("號")
        ):
            prefixes.append(f"{head}{reading.number_prefix}{reading.number}")  # 10 → also 100號, 101之1號, 10巷…
        else:
            street = reading.street()
            # 10之1 may still become 10之12號: without a typed 號 the number is left open.
            prefixes.append(street if typed.endswith("號") or reading.floor is not None else street.removesuffix("號"))
    return prefixes


def autocomplete(text: str, *, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
    """Suggestions for a partly typed address, best first (at most ``limit``, never more than 10)."""
    limit = max(1, min(limit, MAX_SUGGESTIONS))
    text = (text or "").strip()
    if not text or len(text) > 100:
        return []
    gz = gazetteer()
    text = to_traditional(text, gz.chars)  # 光复路 → 光復路, 関新路 → 關新路
    plain = unicodedata.normalize("NFKC", text)
    if not _HAS_DIGIT.search(plain):
        # No digit typed yet: a road name (二 in 光復路二 is the start of 二段, not a number).
        if _ENGLISH.match(plain):
            return _roads(plain, limit)
        road_text = _ADMIN_PREFIX.sub("", re.sub(r"\s+", "", plain.translate(CHARACTER_MAP)), count=1)
        if not road_text:
            return []
        roads = _roads(road_text, limit)
        places = _places(road_text, gz)
        keep = min(len(places), max(MAX_PLACES, limit - len(roads)))
        return (roads[: limit - keep] + places[:keep])[:limit]
    for prefix in _street_prefixes(text, gz):
        found = _addresses(prefix, limit)
        if found:
            return found
    hood = _HOOD_TYPED.match(_ADMIN_PREFIX.sub("", re.sub(r"\s+", "", plain), count=1))
    if hood and hood.group(1) in gz.villages:
        name = f"{hood.group(1)}{int(hood.group(2))}鄰"
        return [Suggestion(name, "neighborhood", name)]  # geocode says whether the village has that 鄰
    return []


def _places(text: str, gz: Gazetteer) -> list[Suggestion]:
    """Villages of the covered districts that begin with the text, then landmarks whose names contain it (from two
    characters; one character only at the start of a name)."""
    covered = {d.id for d in gz.covered}
    villages = sorted(name for name, ids in gz.villages.items() if name.startswith(text) and ids & covered)
    out = [Suggestion(name, "village", name) for name in villages[:MAX_PLACES]]
    # A name typed in part may end in a numeral that normalising would turn into a digit (科學二 → 科學2): both kept.
    keys = {k for k in (name_key(text), re.sub(r"\s+", "", text)) if k}
    if keys:
        names = sorted(
            {name for k, name in gz.landmarks.items() if any(k.startswith(t) or (len(t) > 1 and t in k) for t in keys)},
            key=lambda n: (not any(name_key(n).startswith(t) for t in keys), len(n), n),
        )
        out += [Suggestion(name, "landmark", name) for name in names[:MAX_PLACES]]
    return out


def _addresses(prefix: str, limit: int) -> list[Suggestion]:
    plates = (
        DoorPlate.objects.using(settings.SEARCH_DB)
        .active()
        .filter(street_key__startswith=prefix)
        .annotate(entrance=Case(When(floor__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("entrance", Length("street_key"), "street_key")
        .values_list("pk", "street_key", "address")[: limit * 3]
    )
    seen: set[str] = set()
    out: list[Suggestion] = []
    for pk, street_key, address in plates:
        if street_key in seen:
            continue  # the same street address under two 鄰
        seen.add(street_key)
        out.append(Suggestion(street_key, "address", address, pk))
        if len(out) == limit:
            break
    return out
