"""A plan's preview: every item old → new (canonical address, 3+3 zip code, English), every conflict, the counts.

Conflicts, each naming the item (its position) and the reason; ``error`` ones block submitting, approving and
applying, ``warning`` ones are for the reviewer's eye:

- ``invalid``: the new address does not read back as itself (or names no known or readable road);
- ``taken``: the new address is already an active plate outside the plan;
- ``duplicate``: two items of the plan get the same new address;
- ``wrong_side``: a number moves to the other side of its street (odd ↔ even);
- ``collision``: a plate outside the plan stands at the new entrance number (e.g. its floors), or its number lies
  between the plan's new numbers on the same side (the order along the street would break);
- ``gap`` (warning): numbers left free between the plan's new numbers and the nearest plate outside it.

Counts of households and persons registered at the old plates come from the registry as aggregates (no person is
read). Called by the plan page, the services (before each step) and the bench.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.addresses.models import DoorPlate
from geo_portal.registry.services.renumbering import Affected, households_affected, households_affected_per_plate
from geo_portal.renumbering.addressing import Resolved, RoadBook
from geo_portal.renumbering.models import Plan, PlanItem
from geo_portal.renumbering.rules import NewAddress, side
from geo_portal.renumbering.selectors import OldFacts, item_new_address, old_plate_facts, plan_items

ERROR, WARNING = "error", "warning"
RENUMBERING_KINDS = {Plan.Kind.RENUMBER, Plan.Kind.ADD_SUB_NUMBERS, Plan.Kind.REMOVE_SUB_NUMBERS, Plan.Kind.CSV}


@dataclass(frozen=True)
class Conflict:
    position: int | None  # the item, or None for the plan as a whole
    kind: str
    severity: str
    message: str


@dataclass
class Row:
    item: PlanItem
    old: OldFacts
    new: NewAddress
    resolved: Resolved
    households: int = 0
    persons: int = 0
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def new_address(self) -> str:
        return self.resolved.canonical.address if self.resolved.canonical else self.resolved.text


@dataclass
class Preview:
    plan: Plan
    rows: list[Row]
    conflicts: list[Conflict]
    affected: Affected
    new_roads: list[str]

    @property
    def errors(self) -> list[Conflict]:
        return [c for c in self.conflicts if c.severity == ERROR]

    @property
    def warnings(self) -> list[Conflict]:
        return [c for c in self.conflicts if c.severity == WARNING]


def _entrance(new: NewAddress) -> tuple:
    return (*new.street, new.number_prefix, new.number, new.sub_number)


def plan_preview(plan: Plan, *, on: dt.date | None = None, book: RoadBook | None = None, for_apply: bool = False) -> Preview:
    """Resolve every item and find every conflict (see the module's docstring).

    ``for_apply``: the apply's own check, just before it writes. The new addresses are then not read back through
    the parser here, nor put in English, nor are households counted: the plates' set-based write
    (``addresses.replace.plates_replace``) reads back each canonical address and refuses an invalid one, a
    duplicate within the plan and an address already active, in the same transaction — the preview's copy of those
    three checks was half the apply's Python time. What only the preview knows (numbers on the wrong side,
    collisions with plates outside the plan, the roads the plan introduces, zip codes) is checked as always.
    """
    on = on or timezone.localdate()
    book = book or RoadBook(plan.district)
    items = plan_items(plan)
    facts = old_plate_facts(plan)
    resolve = book.resolve_unchecked if for_apply else book.resolve
    rows = [Row(item=i, old=facts[i.old_plate_id], new=(new := item_new_address(i)), resolved=resolve(new)) for i in items]
    conflicts: list[Conflict] = []

    def add(row: Row | None, kind: str, severity: str, message: str) -> None:
        c = Conflict(row.item.position if row else None, kind, severity, message)
        conflicts.append(c)
        if row is not None:
            row.conflicts.append(c)

    if not rows:
        add(None, "empty", ERROR, _("the plan has no plates"))
    # The plan's own plates are not "outside" it: the old ones, and once applied the new ones too.
    old_ids = {r.item.old_plate_id for r in rows} | {r.item.new_plate_id for r in rows if r.item.new_plate_id}
    by_key: dict[str, Row] = {}
    for row in rows:
        if row.resolved.error:
            add(row, "invalid", ERROR, _("the new address is not valid: %(why)s") % {"why": row.resolved.error})
            continue
        key = row.resolved.canonical.address_key if row.resolved.canonical else None
        if key is None:
            pass  # for the apply: the plates' write checks duplicates
        elif key in by_key:
            add(
                row,
                "duplicate",
                ERROR,
                _("the new address %(address)s is also the new address of item %(other)d")
                % {"address": row.new_address, "other": by_key[key].item.position},
            )
        else:
            by_key[key] = row
        old = row.old
        if plan.kind in RENUMBERING_KINDS and row.new.street == old.street and side(row.new.number) != side(old.number):
            add(
                row,
                "wrong_side",
                ERROR,
                _("%(old)s is on the %(from)s side; %(new)s would put it on the %(to)s side")
                % {
                    "old": old.address,
                    "new": row.new_address,
                    "from": _side_name(old.number),
                    "to": _side_name(row.new.number),
                },
            )
    taken = (
        DoorPlate.objects.active()
        .filter(district=plan.district, address_key__in=list(by_key))
        .exclude(pk__in=old_ids)
        .values_list("address_key", "pk", "address")
    )
    for key, pk, address in taken:
        add(
            by_key[key],
            "taken",
            ERROR,
            _("%(address)s is already the active plate %(id)d, which is not in the plan") % {"address": address, "id": pk},
        )
    _outside(plan, book, rows, old_ids, add)
    new_roads = sorted({r.new.road_name for r in rows if book.is_new(r.new.road_name)})
    if for_apply:
        return Preview(plan, rows, conflicts, Affected(0, 0), new_roads)
    # Who is registered at the plates: at the old ones before the apply, at their successors after it.
    plate_ids = [r.item.new_plate_id or r.item.old_plate_id for r in rows]
    per_plate = households_affected_per_plate(plate_ids=plate_ids, on=on)
    for row in rows:
        counts = per_plate.get(row.item.new_plate_id or row.item.old_plate_id)
        if counts:
            row.households, row.persons = counts.households, counts.persons
    return Preview(plan, rows, conflicts, households_affected(plate_ids=plate_ids, on=on), new_roads)


def _side_name(number: int) -> str:
    return _("odd") if number % 2 else _("even")


def _outside(plan: Plan, book: RoadBook, rows: list[Row], old_ids: set[int], add) -> None:
    """Collisions and gaps with plates outside the plan on the streets the new addresses are on."""
    streets: dict[tuple, list[Row]] = defaultdict(list)
    for row in rows:
        if not row.resolved.error:
            streets[row.new.street].append(row)
    for (road_name, area, lane, alley), members in streets.items():
        road = book.roads.get(road_name)
        if road_name and (road is None or road.pk is None):
            continue  # a road the plan introduces has no plates outside it
        outside = DoorPlate.objects.active().filter(district=plan.district, area=area, lane=lane, alley=alley)
        outside = outside.filter(road=road) if road_name else outside.filter(road__isnull=True)
        outside = outside.exclude(pk__in=old_ids).values_list("pk", "address", "number_prefix", "number", "sub_number")
        at_entrance: dict[tuple, tuple[int, str]] = {}
        numbers: dict[str, set[int]] = defaultdict(set)
        for pk, address, prefix, number, sub in outside:
            at_entrance.setdefault((prefix, number, sub), (pk, address))
            if not prefix and sub is None:
                numbers[side(number)].add(number)
        for row in members:
            same_entrance = row.old.entrance == _entrance(row.new)
            hit = at_entrance.get((row.new.number_prefix, row.new.number, row.new.sub_number))
            if hit and not same_entrance:
                add(
                    row,
                    "collision",
                    ERROR,
                    _("%(new)s: plate %(id)d (%(address)s) outside the plan stands at this number")
                    % {"new": row.new_address, "id": hit[0], "address": hit[1]},
                )
        if plan.kind not in RENUMBERING_KINDS:
            continue
        for parity in ("odd", "even"):
            new_numbers = sorted(
                {r.new.number for r in members if side(r.new.number) == parity and r.new.sub_number is None}
            )
            if not new_numbers:
                continue
            low, high = new_numbers[0], new_numbers[-1]
            inside = sorted(n for n in numbers[parity] if low < n < high and n not in new_numbers)
            if inside:
                add(
                    None,
                    "collision",
                    ERROR,
                    _("%(street)s: number %(n)d outside the plan lies between the plan's new numbers %(low)d and %(high)d")
                    % {"street": _street_label(road_name, area, lane, alley), "n": inside[0], "low": low, "high": high},
                )
            below = max((n for n in numbers[parity] if n < low), default=None)
            above = min((n for n in numbers[parity] if n > high), default=None)
            for a, b in ((below, low), (high, above)):
                if a is not None and b is not None and b - a > 2:
                    add(
                        None,
                        "gap",
                        WARNING,
                        _(
                            "%(street)s: numbers %(a)d and %(b)d leave %(missing)d numbers free "
                            "between the plan and the plates outside it"
                        )
                        % {
                            "street": _street_label(road_name, area, lane, alley),
                            "a": a,
                            "b": b,
                            "missing": (b - a) // 2 - 1,
                        },
                    )


def _street_label(road: str, area: str, lane: str, alley: str) -> str:
    return road + area + (f"{lane}巷" if lane else "") + (f"{alley}弄" if alley else "")
