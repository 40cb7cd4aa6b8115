"""Which road or area an address names, and whether it lies in the covered districts: the in-memory half of ``geocode``.

``resolve_place`` knows the road by its registered name (digits inside the name read as numerals: 公道5路), a known
alias, or the name with its type word left out when only one road fits (光復二段 → 光復路二段, 東門 → 東門街); an
area-only place (光明新村) is left to the plate lookup. ``similar_place`` corrects a one-character slip (光腹路 →
光復路) only when one road fits and the name typed is not a real road elsewhere. ``admin_covered`` / ``outside_admin``
and ``outside_road`` decide when an address is outside the area the platform covers, and ``outside_result`` says so.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from geo_portal.addresses.parsing import COUNTIES, Address
from geo_portal.addresses.search.gazetteer import ROAD_TYPES, Gazetteer, place_key, stem
from geo_portal.addresses.search.lookup import Place
from geo_portal.addresses.search.reading import Admin, Reading
from geo_portal.addresses.search.results import GeocodeResult, Grade, OutsideCoverage
from geo_portal.core.numerals import int_to_cn

NATIONAL_DOORPLATE_SERVICE = "https://www.ris.gov.tw/app/portal/3053"


def service_url() -> str:
    """The national door-plate service linked from answers outside coverage (``GEO_PORTAL_NATIONAL_DOORPLATE_URL``)."""
    return getattr(settings, "GEO_PORTAL_NATIONAL_DOORPLATE_URL", "") or NATIONAL_DOORPLATE_SERVICE


def covered_names(gz: Gazetteer) -> str:
    return "、".join(d.county + d.name for d in gz.covered)


def _districts(admin: Admin, gz: Gazetteer) -> tuple[int, ...]:
    return tuple(
        d.id
        for d in gz.covered
        if (not admin.county or d.county == admin.county) and (not admin.district or d.name == admin.district)
    )


def admin_covered(admin: Admin, gz: Gazetteer) -> bool:
    """The county and district named (if any) are covered ones."""
    return bool(_districts(admin, gz))


def outside_admin(admin: Admin, gz: Gazetteer) -> str:
    """The county/district named when it is a real one that the platform does not cover ('' otherwise)."""
    if admin_covered(admin, gz) or not (admin.county or admin.district):
        return ""
    if admin.county:
        return admin.county + admin.district if admin.county in COUNTIES else ""
    national = gz.national()
    known = admin.district in national.district_counties or any(d.name == admin.district for d in gz.districts.values())
    return admin.district if known else ""


def outside_road(addr: Address, gz: Gazetteer) -> list[str] | None:
    """Where a road that is not one of the covered districts' lies, when it is a real road elsewhere (None if not)."""
    if not addr.road and not addr.area:
        return None
    if any(road.base_name == addr.road for road in gz.roads.values()):
        return None  # a road of the district, with a section it does not have (光復路三段)
    national = gz.national()
    names = [addr.road] if addr.road.endswith(ROAD_TYPES) else [addr.road + w for w in ROAD_TYPES]
    if not addr.road:
        names = [addr.area + w for w in ROAD_TYPES]
    for name in names:
        name = place_key(name)
        if name in national.road_places:
            return sorted(c + d for c, d in national.road_places[name])
    return None


def resolve_place(reading: Reading, gz: Gazetteer) -> tuple[Place | None, str | None]:
    """The covered road(s) or area the reading names, and the correction said (None when exact)."""
    addr = reading.address
    districts = _districts(reading.admin, gz)
    if not districts:
        return None, None
    if addr.road:
        name = place_key(addr.road_section)
        ids = _in(gz.by_name.get(name, []), districts, gz)
        if ids:
            return Place(ids, addr.area, districts), None
        ids = _in(gz.by_alias.get(name, []), districts, gz)
        if ids:
            road = gz.roads[ids[0]].name
            return Place(ids, addr.area, districts), _("road %(typed)s → %(road)s (known alias)") % {
                "typed": name,
                "road": road,
            }
        if not addr.road.endswith(ROAD_TYPES):
            found = _stemmed(place_key(addr.road) + _section(addr), addr.area, name, districts, gz)
            digits = str(addr.section or "")
            for k in range(1, len(digits)):
                # 公道五二段 read as section 52: the ordinal of 公道五路 and section 二.
                if found[0] is None and digits[k] != "0":
                    key = f"{place_key(addr.road)}{int_to_cn(int(digits[:k]))}{int_to_cn(int(digits[k:]))}段"
                    found = _stemmed(key, addr.area, key, districts, gz)
            return found
        return None, None
    if not addr.area:
        return None, None
    ids = _in(gz.by_alias.get(addr.area, []), districts, gz)
    if ids:
        return Place(ids, "", districts), _("road %(typed)s → %(road)s (known alias)") % {
            "typed": addr.area,
            "road": gz.roads[ids[0]].name,
        }
    stemmed = _stemmed(place_key(addr.area), "", addr.area, districts, gz)
    if stemmed[0] is not None:
        return stemmed
    known = [(d, r) for d, r in gz.areas.get(addr.area, ()) if d in districts]
    if any(r is None for _d, r in known):
        return Place((), addr.area, districts), None  # an area-only place (光明新村)
    if known:
        return Place(tuple(sorted(r for _d, r in known if r)), addr.area, districts), None  # 清大東院 on 光復路二段
    return None, None


def _section(addr: Address) -> str:
    return f"{int_to_cn(addr.section)}段" if addr.section else ""


def _stemmed(key: str, area: str, typed: str, districts: tuple[int, ...], gz: Gazetteer):
    ids = _in(gz.by_stem.get(key, []), districts, gz)
    names = {gz.roads[i].name for i in ids}
    if len(names) == 1:
        return Place(ids, area, districts), _("road %(typed)s → %(road)s (road type word left out)") % {
            "typed": typed,
            "road": names.pop(),
        }
    return None, None


def _in(ids: list[int], districts: tuple[int, ...], gz: Gazetteer) -> tuple[int, ...]:
    return tuple(i for i in ids if gz.roads[i].district_id in districts)


def similar_place(reading: Reading, gz: Gazetteer) -> tuple[Place | None, str | None]:
    """A one-character slip in a covered road's name, when exactly one road fits (never a real road elsewhere)."""
    addr = reading.address
    districts = _districts(reading.admin, gz)
    if not addr.road or not districts:
        return None, None
    typed = place_key(addr.road_section)
    fits = {
        road.name: road.id for road in gz.roads.values() if road.district_id in districts and _one_slip(typed, road.name)
    }
    if len(fits) != 1:
        return None, None
    name, road_id = fits.popitem()
    ids = tuple(i for i in gz.by_name[name] if gz.roads[i].district_id in districts)
    return Place(ids or (road_id,), addr.area, districts), _("road %(typed)s → %(road)s (similar name)") % {
        "typed": typed,
        "road": name,
    }


_MEANINGFUL = "路街段大道一二三四五六七八九十"


def _one_slip(typed: str, name: str) -> bool:
    """One character of the name replaced, added or left out — unless what was typed there carries meaning (a type
    word or a numeral: 光復街 is not 光復路, 力行三路 is not 力行二路)."""
    if typed == name or abs(len(typed) - len(name)) > 1:
        return False
    if len(typed) == len(name):
        diff = [i for i, (x, y) in enumerate(zip(typed, name, strict=True)) if x != y]
        return len(diff) == 1 and typed[diff[0]] not in _MEANINGFUL and name[diff[0]] not in _MEANINGFUL[3:]
    if len(typed) > len(name):
        return any(typed[:i] + typed[i + 1 :] == name and typed[i] not in _MEANINGFUL for i in range(len(typed)))
    return any(name[:i] + name[i + 1 :] == typed and name[i] not in _MEANINGFUL for i in range(len(name)))


def similar_roads(name: str, gz: Gazetteer, limit: int = 3) -> list[str]:
    """Covered road names sharing two consecutive characters of the name typed (suggestions, never answers)."""
    core = stem(name.split("段")[0] if "段" in name else name)
    pairs = {core[i : i + 2] for i in range(len(core) - 1)} or {core}
    scored = []
    for road in gz.roads.values():
        road_core = stem(road.base_name)
        shared = sum(1 for p in pairs if p in road_core)
        if shared:
            scored.append((-shared, road.name))
    return [n for _, n in sorted(set(scored))[:limit]]


def outside_result(
    text: str,
    gz: Gazetteer,
    *,
    recognised: str,
    road: bool,
    elsewhere: list[str],
    suggestions: list[str],
    problems: list[str],
) -> GeocodeResult:
    """``none``, outside the covered area: what was recognised, where that road lies, the national service."""
    covered = [d.county + d.name for d in gz.covered]
    values = {"place": recognised, "covered": "、".join(covered), "places": "、".join(elsewhere[:5])}
    if not road:
        note = _("%(place)s is outside the area this platform covers (%(covered)s); see the national door-plate service")
    elif elsewhere:
        note = _("%(place)s is not a road of %(covered)s, the area this platform covers; it is a road of %(places)s")
    else:
        note = _("%(place)s is not a road of %(covered)s, the area this platform covers; it is a road elsewhere in Taiwan")
    return GeocodeResult(
        text,
        Grade.NONE,
        notes=[note % values],
        suggestions=suggestions,
        problems=problems,
        outside=OutsideCoverage(recognised=recognised, covered=covered, elsewhere=elsewhere[:10], service_url=service_url()),
    )
