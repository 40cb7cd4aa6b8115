"""Door-plate write services: create, change address, move, set condition, retire, restore — versioned.

Every change to a plate made by staff, the admin or a workflow (census, re-issue, renumbering) goes through these
keyword-only services. Each one owns its transaction, validates everything before writing (``PlateRefused``
names the field and reason; nothing is written), locks the plate and compares the version the caller saw
(``StalePlate`` names the current version, when and by whom it changed), recomputes the canonical address and keys
from the components through the parser, and bumps ``version``. History (pghistory) and the change log (the public
channel's capture triggers) are written by the database in the same transaction, with the actor and cause set
here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pghistory
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone

from geo_portal.addresses.models import DoorPlate, PlateSuccessor
from geo_portal.addresses.parsing import Address, parse
from geo_portal.areas.models import District, Neighborhood, Road, Village
from geo_portal.changes.context import Cause, cause_label, change_context
from geo_portal.core.geo import in_taiwan, to_storage, transform_point

NUMBER_PREFIXES = ("", "附", "臨")
KEEP = object()  # plate_change_address: keep the plate's 鄰
FLOOR_UNITS = ("", "層", "室")


class PlateRefused(ValueError):
    """Invalid input for a plate service; ``errors`` maps each field to its reasons. Nothing was written."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {', '.join(reasons)}" for name, reasons in errors.items()))


class StalePlate(Exception):
    """The plate changed since the caller read it: the write was refused, nothing was written."""

    def __init__(self, *, plate_id: int, seen: int, current: int, changed_at: dt.datetime, changed_by: str):
        self.plate_id, self.seen, self.current = plate_id, seen, current
        self.changed_at, self.changed_by = changed_at, changed_by
        when = timezone.localtime(changed_at).strftime("%Y-%m-%d %H:%M:%S")
        super().__init__(
            f"door plate {plate_id} was changed by {changed_by or 'someone'} at {when} (now version {current}; "
            f"you saw version {seen}): reload it and make your change again"
        )


@dataclass(frozen=True)
class Components:
    """The parts of a door-plate address below the district: road (+ section) or area, lane … floor."""

    number: int
    road: Road | None = None
    area: str = ""
    lane: str = ""
    alley: str = ""
    number_prefix: str = ""
    sub_number: int | None = None
    number_suffix: int | None = None
    floor: int | None = None
    floor_unit: str = ""
    floor_sub: int | None = None

    @classmethod
    def of(cls, plate: DoorPlate) -> Components:
        return cls(**{name: getattr(plate, name) for name in DoorPlate.COMPONENT_FIELDS})

    def as_address(self) -> Address:
        return Address(
            road=self.road.base_name if self.road else "",
            section=self.road.section if self.road else None,
            area=self.area,
            lane=self.lane,
            alley=self.alley,
            number_prefix=self.number_prefix,
            number=self.number,
            sub_number=self.sub_number,
            number_suffix=self.number_suffix,
            floor=self.floor,
            floor_unit=self.floor_unit,
            floor_sub=self.floor_sub,
        )


@dataclass(frozen=True)
class CanonicalAddress:
    street_key: str
    address_key: str
    address: str


@dataclass
class MoveResult:
    plate: DoorPlate
    warnings: list[str] = field(default_factory=list)


# --- validation -----------------------------------------------------------------------------------------------


def _positive(errors: dict[str, list[str]], name: str, value: int | None, *, required: bool = False) -> None:
    if value is None:
        if required:
            errors.setdefault(name, []).append("is required")
    elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
        errors.setdefault(name, []).append(f"must be a whole number of at least 1 (got {value!r})")


def canonical_address(*, district: District, components: Components, neighborhood: int | None) -> CanonicalAddress:
    """Canonical address and keys from components, checked by parsing the result back (PlateRefused if not)."""
    errors: dict[str, list[str]] = {}
    c = components
    _positive(errors, "number", c.number, required=True)
    for name in ("sub_number", "number_suffix", "floor_sub"):
        _positive(errors, name, getattr(c, name))
    if neighborhood is not None:
        _positive(errors, "neighborhood", neighborhood)
    if c.floor is not None and (not isinstance(c.floor, int) or c.floor == 0 or not -20 <= c.floor <= 200):
        errors.setdefault("floor", []).append(f"must be a floor between -20 and 200, not 0 (got {c.floor!r})")
    if c.floor is None and (c.floor_unit or c.floor_sub is not None):
        errors.setdefault("floor", []).append("is required when a floor unit or floor sub-number is given")
    if c.number_prefix not in NUMBER_PREFIXES:
        errors.setdefault("number_prefix", []).append("must be empty, 附 or 臨")
    if c.floor_unit not in FLOOR_UNITS:
        errors.setdefault("floor_unit", []).append("must be empty (樓), 層 or 室")
    if c.road is None and not c.area.strip():
        errors.setdefault("road", []).append("a road or an area name (地區) is required")
    if c.road is not None and c.road.district_id != district.pk:
        errors.setdefault("road", []).append(f"{c.road.name} is a road of another district")
    for name in ("lane", "alley"):
        value = getattr(c, name)
        if value and not value.replace("之", "").isdigit():
            errors.setdefault(name, []).append(f"must be digits, optionally with 之 (got {value!r})")
    if errors:
        raise PlateRefused(errors)
    street = c.as_address().street()
    county = district.county.name
    # Through the parser: the text we store must read back as exactly these components.
    result = parse(county + district.name + street)
    expected = c.as_address()
    if not result.ok:
        problem = result.problems[0]
        raise PlateRefused({problem.field: [f"{problem.reason} in {street!r}"]})
    got = result.address
    mismatched = [
        name
        for name in ("road", "section", "area", "lane", "alley", "number_prefix", "number", "sub_number", "number_suffix")
        + ("floor", "floor_unit", "floor_sub")
        if getattr(got, name) != getattr(expected, name)
    ]
    if mismatched:
        raise PlateRefused(
            {name: [f"{street!r} would read back differently ({getattr(got, name)!r})"] for name in mismatched}
        )
    return CanonicalAddress(
        street_key=street,
        address_key=f"{street}#{'' if neighborhood is None else neighborhood}",
        address=county + district.name + street,
    )


def _check_point(point: Point, *, district: District) -> tuple[Point, list[str]]:
    """The point in storage SRID; refused outside the district's boundary buffered by the tolerance."""
    if not isinstance(point, Point) or point.empty:
        raise PlateRefused({"point": ["must be a point"]})
    if not point.srid:
        raise PlateRefused({"point": ["has no SRID; refusing to guess its coordinate system"]})
    try:
        lonlat = transform_point(point, 4326)
        stored = to_storage(point)
    except Exception as exc:  # pyproj/GEOS errors for impossible coordinates
        raise PlateRefused({"point": [f"cannot be transformed ({exc})"]}) from exc
    if not in_taiwan(lonlat.x, lonlat.y):
        raise PlateRefused({"point": [f"({lonlat.x:.6f}, {lonlat.y:.6f}) is outside Taiwan"]})
    warnings: list[str] = []
    if district.boundary is not None:
        tolerance = settings.PLATE_DISTRICT_TOLERANCE_M
        distance = district.boundary.distance(stored)
        if distance > tolerance:
            raise PlateRefused(
                {"point": [f"lies {distance:.0f} m outside {district.name} (more than the {tolerance:g} m tolerance)"]}
            )
        if distance > 0:
            warnings.append(f"point lies {distance:.1f} m outside the {district.name} boundary (within tolerance)")
    return stored, warnings


def _actor_name(actor: object) -> str:
    name = actor if isinstance(actor, str) else getattr(actor, "get_username", lambda: "")()
    if not name:
        raise PlateRefused({"actor": ["who makes the change is required"]})
    return name[:150]


@contextmanager
def _writing(*, actor: str, cause: str, ref: object | None) -> Iterator[None]:
    with (
        transaction.atomic(),
        change_context(actor=actor, cause=cause, ref=ref),
        pghistory.context(actor=actor, cause=cause, ref=str(ref) if ref is not None else None),
    ):
        yield


_LOCK = "SELECT * FROM addresses_doorplate WHERE id = %s FOR UPDATE"


def _locked(plate_id: int, version: int) -> DoorPlate:
    """The plate, locked for this transaction, if it is still at ``version`` (StalePlate otherwise).

    A raw query: the ORM's compiled SELECT … FOR UPDATE (all fields, no joins) cost more than the write itself.
    """
    plate = next(iter(DoorPlate.objects.raw(_LOCK, [plate_id])), None)
    if plate is None:
        raise PlateRefused({"plate": [f"no door plate with id {plate_id}"]})
    if plate.version != version:
        raise StalePlate(
            plate_id=plate_id, seen=version, current=plate.version, changed_at=plate.updated_at, changed_by=plate.updated_by
        )
    return plate


def _key_taken(*, district_id: int, address_key: str, exclude: int | None = None) -> DoorPlate | None:
    taken = DoorPlate.objects.active().filter(district_id=district_id, address_key=address_key)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    return taken.first()


def _save(plate: DoorPlate, actor: str, fields: Iterable[str]) -> DoorPlate:
    plate.version += 1
    plate.updated_by = actor
    plate.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
    return plate


def _versioned_update(
    *, plate_id: int, version: int, values: dict[str, object], actor: str, cause: str, ref: object | None, reason: str = ""
) -> DoorPlate:
    """One statement: set the change context, update the plate if it is still at ``version``, return it.

    For writes that need no other row locked: the statement is its own transaction (or joins the caller's), so the
    version check, the history and change-log triggers and the numbering at commit cost one round trip.
    """
    assignments = ", ".join(
        f"{name} = ST_GeomFromEWKB(%s)" if isinstance(value, Point) else f"{name} = %s" for name, value in values.items()
    )
    params = [actor, cause_label(cause, ref)]
    params += [bytes(value.ewkb) if isinstance(value, Point) else value for value in values.values()]
    params += [actor, plate_id, version]
    query = (
        "WITH ctx AS MATERIALIZED (SELECT set_config('changes.actor', %s, true), set_config('changes.cause', %s, true)), "
        f"upd AS (UPDATE addresses_doorplate SET {assignments}, version = version + 1, updated_by = %s, "
        "updated_at = now() WHERE id = %s AND version = %s AND EXISTS (SELECT 1 FROM ctx) "
        f"RETURNING {', '.join(['id', 'version', 'updated_by', 'updated_at', *values])}) SELECT * FROM upd"
    )  # the other fields load on first access (a model with deferred fields)
    context = {"actor": actor, "cause": cause, "ref": str(ref) if ref is not None else None}
    with pghistory.context(**context, **({"reason": reason} if reason else {})):
        plate = next(iter(DoorPlate.objects.raw(query, params)), None)
    if plate is not None:
        return plate
    current = DoorPlate.objects.filter(pk=plate_id).values("version", "updated_at", "updated_by").first()
    if current is None:
        raise PlateRefused({"plate": [f"no door plate with id {plate_id}"]})
    raise StalePlate(
        plate_id=plate_id, seen=version, current=current["version"], changed_at=current["updated_at"],
        changed_by=current["updated_by"],
    )  # fmt: skip


def _neighborhood(village: Village | None, number: int | None) -> Neighborhood | None:
    if number is None:
        return None
    if village is None:
        raise PlateRefused({"neighborhood": ["a 鄰 needs a village"]})
    hood, _created = Neighborhood.objects.get_or_create(village=village, number=number)
    return hood


def _village_at(district: District, point: Point) -> Village | None:
    return Village.objects.filter(district=district, boundary__covers=point).first()


# --- services -------------------------------------------------------------------------------------------------


def plate_create(
    *,
    district: District,
    components: Components,
    point: Point,
    actor: object,
    cause: str = Cause.STAFF,
    ref: object | None = None,
    village: Village | None = None,
    neighborhood: int | None = None,
    condition: str = DoorPlate.Condition.UNKNOWN,
) -> MoveResult:
    """A new active plate; its village is the one covering the point unless given. Refuses an active key."""
    name = _actor_name(actor)
    with _writing(actor=name, cause=cause, ref=ref):
        district = District.objects.select_related("county").get(pk=district.pk)
        canonical = canonical_address(district=district, components=components, neighborhood=neighborhood)
        stored, warnings = _check_point(point, district=district)
        if condition not in DoorPlate.Condition.values:
            raise PlateRefused({"condition": [f"must be one of {', '.join(DoorPlate.Condition.values)}"]})
        if village is not None and village.district_id != district.pk:
            raise PlateRefused({"village": [f"{village.name} is a village of another district"]})
        village = village or _village_at(district, stored)
        taken = _key_taken(district_id=district.pk, address_key=canonical.address_key)
        if taken is not None:
            raise PlateRefused({"address": [f"{canonical.address} already exists as active plate {taken.pk}"]})
        plate = DoorPlate.objects.create(
            district=district,
            village=village,
            neighborhood=_neighborhood(village, neighborhood),
            geom=stored,
            condition=condition,
            street_key=canonical.street_key,
            address_key=canonical.address_key,
            address=canonical.address,
            updated_by=name,
            **{n: getattr(components, n) for n in DoorPlate.COMPONENT_FIELDS},
        )
    return MoveResult(plate=plate, warnings=warnings)


def plate_change_address(
    *,
    plate_id: int,
    version: int,
    components: Components,
    actor: object,
    neighborhood: int | object | None = KEEP,
    cause: str = Cause.STAFF,
    ref: object | None = None,
) -> DoorPlate:
    """New components (and optionally 鄰) → canonical address and keys; refuses a key already active elsewhere."""
    name = _actor_name(actor)
    with _writing(actor=name, cause=cause, ref=ref):
        plate = _locked(plate_id, version)
        current = plate.neighborhood.number if plate.neighborhood_id else None
        hood = current if neighborhood is KEEP else neighborhood
        canonical = canonical_address(district=plate.district, components=components, neighborhood=hood)
        if plate.status == DoorPlate.Status.ACTIVE:
            taken = _key_taken(district_id=plate.district_id, address_key=canonical.address_key, exclude=plate.pk)
            if taken is not None:
                raise PlateRefused({"address": [f"{canonical.address} already exists as active plate {taken.pk}"]})
        for n in DoorPlate.COMPONENT_FIELDS:
            setattr(plate, n, getattr(components, n))
        plate.neighborhood = _neighborhood(plate.village, hood)
        plate.street_key, plate.address_key, plate.address = canonical.street_key, canonical.address_key, canonical.address
        return _save(plate, name, [*DoorPlate.COMPONENT_FIELDS, "neighborhood", "street_key", "address_key", "address"])


def plate_move(
    *,
    plate_id: int,
    version: int,
    point: Point,
    reason: str,
    actor: object,
    cause: str = Cause.STAFF,
    ref: object | None = None,
) -> MoveResult:
    """A new position with a reason; inside the district (buffered by PLATE_DISTRICT_TOLERANCE_M)."""
    name = _actor_name(actor)
    if not reason or not reason.strip():
        raise PlateRefused({"reason": ["say why the plate moves"]})
    plate = DoorPlate.objects.select_related("district", "village").filter(pk=plate_id).first()
    if plate is None:
        raise PlateRefused({"plate": [f"no door plate with id {plate_id}"]})
    stored, warnings = _check_point(point, district=plate.district)
    if plate.village_id and plate.village.boundary is not None and not plate.village.boundary.covers(stored):
        warnings.append(f"the new position is outside the plate's village {plate.village.name}")
    moved = _versioned_update(
        plate_id=plate_id, version=version, values={"geom": stored}, actor=name, cause=cause, ref=ref,
        reason=reason.strip()[:200],
    )  # fmt: skip
    return MoveResult(plate=moved, warnings=warnings)


def plate_set_condition(
    *,
    plate_id: int,
    version: int,
    condition: str,
    checked_on: dt.date,
    actor: object,
    evidence: str = "",
    cause: str = Cause.STAFF,
    ref: object | None = None,
) -> DoorPlate:
    """Physical condition seen on ``checked_on`` (not in the future), with an evidence reference."""
    name = _actor_name(actor)
    errors: dict[str, list[str]] = {}
    if condition not in DoorPlate.Condition.values:
        errors["condition"] = [f"must be one of {', '.join(DoorPlate.Condition.values)}"]
    if not isinstance(checked_on, dt.date):
        errors["checked_on"] = ["must be a date"]
    elif checked_on > timezone.localdate():
        errors["checked_on"] = [f"{checked_on} is in the future"]
    if len(evidence) > 200:
        errors["evidence"] = ["must be at most 200 characters"]
    if errors:
        raise PlateRefused(errors)
    values = {"condition": condition, "last_checked_on": checked_on, "condition_evidence": evidence}
    return _versioned_update(plate_id=plate_id, version=version, values=values, actor=name, cause=cause, ref=ref)


def plate_retire(
    *,
    plate_id: int,
    version: int,
    retired_on: dt.date,
    reason: str,
    actor: object,
    successor_ids: Iterable[int] = (),
    cause: str = Cause.STAFF,
    ref: object | None = None,
) -> DoorPlate:
    """Retire an active plate on a date, with a reason and the plates that replace it (active, same district)."""
    name = _actor_name(actor)
    successors = sorted(set(successor_ids))
    errors: dict[str, list[str]] = {}
    if not reason or not reason.strip():
        errors["reason"] = ["say why the plate is retired"]
    if not isinstance(retired_on, dt.date):
        errors["retired_on"] = ["must be a date"]
    elif retired_on > timezone.localdate():
        errors["retired_on"] = [f"{retired_on} is in the future"]
    if plate_id in successors:
        errors["successors"] = ["a plate cannot succeed itself"]
    if errors:
        raise PlateRefused(errors)
    with _writing(actor=name, cause=cause, ref=ref):
        plate = _locked(plate_id, version)
        if plate.status != DoorPlate.Status.ACTIVE:
            raise PlateRefused({"status": [f"door plate {plate_id} is already retired (on {plate.retired_on})"]})
        found = {p.pk: p for p in DoorPlate.objects.filter(pk__in=successors)}
        problems = [f"no door plate with id {i}" for i in successors if i not in found]
        problems += [
            f"plate {p.pk} is retired" if p.status != DoorPlate.Status.ACTIVE else f"plate {p.pk} is in another district"
            for p in found.values()
            if p.status != DoorPlate.Status.ACTIVE or p.district_id != plate.district_id
        ]
        if problems:
            raise PlateRefused({"successors": problems})
        plate.status, plate.retired_on, plate.retired_reason = DoorPlate.Status.RETIRED, retired_on, reason.strip()[:200]
        _save(plate, name, ["status", "retired_on", "retired_reason"])
        PlateSuccessor.objects.bulk_create(PlateSuccessor(from_doorplate=plate, to_doorplate_id=i) for i in successors)
        return plate


def plate_restore(
    *, plate_id: int, version: int, reason: str, actor: object, cause: str = Cause.STAFF, ref: object | None = None
) -> DoorPlate:
    """Make a retired plate active again under its own id (its successor links end); refuses a taken key."""
    name = _actor_name(actor)
    if not reason or not reason.strip():
        raise PlateRefused({"reason": ["say why the plate is restored"]})
    with _writing(actor=name, cause=cause, ref=ref):
        plate = _locked(plate_id, version)
        if plate.status != DoorPlate.Status.RETIRED:
            raise PlateRefused({"status": [f"door plate {plate_id} is active; only a retired plate can be restored"]})
        taken = _key_taken(district_id=plate.district_id, address_key=plate.address_key)
        if taken is not None:
            raise PlateRefused({"address": [f"{plate.address} is active again as plate {taken.pk}; retire it first"]})
        PlateSuccessor.objects.filter(from_doorplate=plate).delete()
        plate.status, plate.retired_on, plate.retired_reason = DoorPlate.Status.ACTIVE, None, ""
        with pghistory.context(reason=reason.strip()[:200]):
            return _save(plate, name, ["status", "retired_on", "retired_reason"])


def plates_outside_district(*, district: District, tolerance_m: float = 0.0) -> list[tuple[int, str, float]]:
    """Active plates farther than ``tolerance_m`` outside their district's boundary: (id, address, metres)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT p.id, p.address, ST_Distance(p.geom, %s::geometry) FROM addresses_doorplate p "
            "WHERE p.district_id = %s AND p.status = 'active' AND NOT ST_DWithin(p.geom, %s::geometry, %s) "
            "ORDER BY p.id",
            [district.boundary.ewkb, district.pk, district.boundary.ewkb, tolerance_m],
        )
        return [(i, a, float(d)) for i, a, d in cur.fetchall()]
