"""Set-based plate replacement for renumbering (門牌整編): many plates retired, each with a new successor, at once.

``plates_replace`` is the write path of a renumbering plan (``geo_portal.renumbering``): for every old plate it
retires the plate on the effective date, creates its new plate (new components, 鄰, village, the same or a corrected
point, its 3+3 zip code) and links old → new as successor — with the same checks as ``plate_create`` and
``plate_retire`` (the canonical address read back through the parser, the version the caller saw, every old plate
active, no new address taken by an active plate outside the set, no two new addresses alike), but in a handful of
statements instead of two services per plate, so a road of 2,500 plates is one short transaction. History
(pghistory) and the change log (the public channel's statement triggers) are written by the database with the
actor and cause set here; everything is in the caller's transaction or its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.plates import (
    Components,
    PlateRefused,
    StalePlate,
    _actor_name,
    _check_point,
    _writing,
    canonical_address,
)
from geo_portal.areas.models import District, Neighborhood, Village
from geo_portal.changes.context import Cause


@dataclass(frozen=True)
class Replacement:
    """One old plate (at the version the caller saw) and what its successor is."""

    plate_id: int
    version: int
    components: Components
    neighborhood: int | None
    village_id: int | None
    point: Point | None = None  # None: the old plate's point
    zip_code: str = ""


_RETIRE = """
UPDATE addresses_doorplate SET status = 'retired', retired_on = %s, retired_reason = %s, version = version + 1,
       updated_by = %s, updated_at = now()
WHERE id = ANY(%s)
"""
# New plates from arrays (one element per replacement); the point is the old plate's unless a corrected one is given.
_INSERT = """
INSERT INTO addresses_doorplate (
    district_id, village_id, neighborhood_id, road_id, area, lane, alley, number_prefix, number, sub_number,
    number_suffix, floor, floor_unit, floor_sub, street_key, address_key, address, zip_code, geom, status,
    retired_reason, condition, condition_evidence, created_at, updated_at, version, imported_hash, updated_by
)
SELECT %s, u.village_id, u.neighborhood_id, u.road_id, u.area, u.lane, u.alley, u.number_prefix, u.number,
       u.sub_number, u.number_suffix, u.floor, u.floor_unit, u.floor_sub, u.street_key, u.address_key, u.address,
       u.zip_code, coalesce(ST_GeomFromEWKB(decode(u.point, 'hex')), o.geom), 'active', '', 'unknown', '', now(), now(),
       1, '', %s
FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[],
            %s::int[], %s::int[], %s::int[], %s::int[], %s::text[], %s::int[], %s::text[], %s::text[], %s::text[],
            %s::text[], %s::text[])
     WITH ORDINALITY AS u(old_id, village_id, neighborhood_id, road_id, area, lane, alley, number_prefix, number,
                          sub_number, number_suffix, floor, floor_unit, floor_sub, street_key, address_key, address,
                          zip_code, point, ord)
JOIN addresses_doorplate o ON o.id = u.old_id
ORDER BY u.ord
RETURNING address_key, id
"""
_LINK = """
INSERT INTO addresses_doorplate_successors (from_doorplate_id, to_doorplate_id)
SELECT * FROM unnest(%s::bigint[], %s::bigint[])
"""


def _insert_values(r: Replacement, row: DoorPlate) -> tuple:
    c = r.components
    return (
        r.plate_id,
        r.village_id,
        row.neighborhood_id,
        c.road.pk if c.road else None,
        c.area,
        c.lane,
        c.alley,
        c.number_prefix,
        c.number,
        c.sub_number,
        c.number_suffix,
        c.floor,
        c.floor_unit,
        c.floor_sub,
        row.street_key,
        row.address_key,
        row.address,
        row.zip_code,
        bytes(row.geom.hexewkb).decode() if r.point is not None else None,
    )


def _fail(index: int, field: str, reason: str) -> PlateRefused:
    return PlateRefused({f"replacements[{index}].{field}": [reason]})


def plates_replace(
    *,
    district: District,
    replacements: Sequence[Replacement],
    retired_on: dt.date,
    reason: str,
    actor: object,
    cause: str = Cause.RENUMBERING_PLAN,
    ref: object | None = None,
) -> dict[int, int]:
    """Retire every old plate and create its successor; returns {old plate id: new plate id}.

    All or nothing: any refusal (``PlateRefused`` naming ``replacements[i].field``, or ``StalePlate``) writes
    nothing. The old plates are retired before the new ones are inserted, so a plan may give a plate the address
    another plate of the same plan had (numbers shifted along a road).
    """
    name = _actor_name(actor)
    if not replacements:
        raise PlateRefused({"replacements": ["give at least one plate to replace"]})
    if not reason or not reason.strip():
        raise PlateRefused({"reason": ["say why the plates are replaced"]})
    if not isinstance(retired_on, dt.date) or retired_on > timezone.localdate():
        raise PlateRefused({"retired_on": [f"{retired_on} is not a date up to today"]})
    ids = [r.plate_id for r in replacements]
    if len(set(ids)) != len(ids):
        seen: set[int] = set()
        twice = next(i for i, pk in enumerate(ids) if pk in seen or seen.add(pk))
        raise _fail(twice, "plate_id", f"plate {ids[twice]} is replaced twice")
    with _writing(actor=name, cause=cause, ref=ref):
        district = District.objects.select_related("county").get(pk=district.pk)
        # Locked in id order (two plans touching the same plates cannot deadlock).
        old = {
            p.pk: p
            for p in DoorPlate.objects.raw(
                "SELECT * FROM addresses_doorplate WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [sorted(ids)]
            )
        }
        villages = {v.pk: v for v in Village.objects.filter(district=district)}
        rows: list[DoorPlate] = []
        keys: dict[str, int] = {}
        for i, r in enumerate(replacements):
            plate = old.get(r.plate_id)
            if plate is None:
                raise _fail(i, "plate_id", f"no door plate with id {r.plate_id}")
            if plate.version != r.version:
                raise StalePlate(
                    plate_id=plate.pk,
                    seen=r.version,
                    current=plate.version,
                    changed_at=plate.updated_at,
                    changed_by=plate.updated_by,
                )
            if plate.status != DoorPlate.Status.ACTIVE:
                raise _fail(i, "plate_id", f"door plate {plate.pk} is already retired (on {plate.retired_on})")
            if plate.district_id != district.pk:
                raise _fail(i, "plate_id", f"door plate {plate.pk} is in another district")
            if r.village_id is not None and r.village_id not in villages:
                raise _fail(i, "village", f"village {r.village_id} is not a village of {district.name}")
            if r.neighborhood is not None and r.village_id is None:
                raise _fail(i, "neighborhood", "a 鄰 needs a village")
            try:
                canonical = canonical_address(district=district, components=r.components, neighborhood=r.neighborhood)
            except PlateRefused as exc:
                raise PlateRefused({f"replacements[{i}].{k}": v for k, v in exc.errors.items()}) from exc
            if canonical.address_key in keys:
                raise _fail(
                    i,
                    "address",
                    f"{canonical.address} is also the new address of replacements[{keys[canonical.address_key]}]",
                )
            keys[canonical.address_key] = i
            if r.point is not None:
                try:
                    geom, _warnings = _check_point(r.point, district=district)
                except PlateRefused as exc:
                    raise PlateRefused({f"replacements[{i}].point": exc.errors["point"]}) from exc
            else:
                geom = plate.geom
            rows.append(
                DoorPlate(
                    district=district,
                    village_id=r.village_id,
                    geom=geom,
                    condition=DoorPlate.Condition.UNKNOWN,
                    street_key=canonical.street_key,
                    address_key=canonical.address_key,
                    address=canonical.address,
                    zip_code=r.zip_code or "",
                    updated_by=name,
                    **{n: getattr(r.components, n) for n in DoorPlate.COMPONENT_FIELDS},
                )
            )
        taken = (
            DoorPlate.objects.active()
            .filter(district=district, address_key__in=list(keys))
            .exclude(pk__in=ids)
            .values_list("address_key", "pk", "address")
        )
        for key, pk, address in taken:
            raise _fail(keys[key], "address", f"{address} already exists as active plate {pk}")
        hoods = {(r.village_id, r.neighborhood) for r in replacements if r.neighborhood is not None}
        found = {
            (h.village_id, h.number): h.pk
            for h in Neighborhood.objects.filter(village_id__in={v for v, _n in hoods}, number__in={n for _v, n in hoods})
        }
        missing = [Neighborhood(village_id=v, number=n) for v, n in sorted(hoods) if (v, n) not in found]
        for h in Neighborhood.objects.bulk_create(missing):
            found[(h.village_id, h.number)] = h.pk
        for r, row in zip(replacements, rows, strict=True):
            row.neighborhood_id = found[(r.village_id, r.neighborhood)] if r.neighborhood is not None else None
        with connection.cursor() as cur:
            cur.execute(_RETIRE, [retired_on, reason.strip()[:200], name, ids])
            # One statement with arrays as parameters: a multi-row VALUES list of 2,500 plates made the query text
            # (and the history context's rewriting of it) the slowest part of the apply.
            columns = list(zip(*(_insert_values(r, row) for r, row in zip(replacements, rows, strict=True)), strict=True))
            cur.execute(_INSERT, [district.pk, name, *map(list, columns)])
            # The new addresses are unique within the set (checked above): they say which old plate each row replaces.
            created = {replacements[keys[key]].plate_id: pk for key, pk in cur.fetchall()}
            cur.execute(_LINK, [ids, [created[i] for i in ids]])
        return {r.plate_id: created[r.plate_id] for r in replacements}
