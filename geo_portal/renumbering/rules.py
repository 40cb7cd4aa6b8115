"""The rules that draft a plan: old plates → new addresses, one function per kind. Pure (no database).

- ``rename_road``: every plate of the road keeps its numbers under the new name (路名變更).
- ``promote_lane``: a lane becomes a road; its alleys become the new road's lanes (巷改路).
- ``renumber``: the entrances of one street (road, lane or alley) get new numbers along the walking order — each
  side (odd 單號 / even 雙號) on its own, in the order the entrances stand along the street (the street's main
  axis, pointed the way the old numbers grow), from a first odd and a first even number in steps of two. Floors
  and 之 units behind an entrance keep their floor and unit. With ``drop_sub_numbers`` an N之M entrance becomes a
  number of its own (取消之號); otherwise it keeps its 之 under the new number of N.
- ``add_sub_numbers``: chosen entrances become base之1, base之2 … along the walking order (增編之號).
- ``move_area``: plates keep their address and move to another village and/or 鄰 (鄰里調整).

The census splits tasks the same way (``census.splitting``: odd side up, even side back down); here the order
within a side comes from where the entrances stand rather than from their old numbers, which is what a renumbering
corrects.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class OldPlate:
    id: int
    version: int
    address: str
    road_name: str
    area: str
    lane: str
    alley: str
    number_prefix: str
    number: int
    sub_number: int | None
    number_suffix: int | None
    floor: int | None
    floor_unit: str
    floor_sub: int | None
    village_id: int | None
    neighborhood: int | None
    x: float
    y: float

    @property
    def street(self) -> tuple[str, str, str, str]:
        return (self.road_name, self.area, self.lane, self.alley)

    @property
    def entrance(self) -> tuple:
        """The door the plate belongs to: its street, prefix, number and 之 before 號 (floors and units share it)."""
        return (*self.street, self.number_prefix, self.number, self.sub_number)


@dataclass(frozen=True)
class NewAddress:
    road_name: str
    area: str
    lane: str
    alley: str
    number_prefix: str
    number: int
    sub_number: int | None
    number_suffix: int | None
    floor: int | None
    floor_unit: str
    floor_sub: int | None
    village_id: int | None
    neighborhood: int | None

    @classmethod
    def same(cls, plate: OldPlate) -> NewAddress:
        return cls(
            road_name=plate.road_name,
            area=plate.area,
            lane=plate.lane,
            alley=plate.alley,
            number_prefix=plate.number_prefix,
            number=plate.number,
            sub_number=plate.sub_number,
            number_suffix=plate.number_suffix,
            floor=plate.floor,
            floor_unit=plate.floor_unit,
            floor_sub=plate.floor_sub,
            village_id=plate.village_id,
            neighborhood=plate.neighborhood,
        )

    @property
    def street(self) -> tuple[str, str, str, str]:
        return (self.road_name, self.area, self.lane, self.alley)


Mapping = list[tuple[OldPlate, NewAddress]]


class RuleRefused(ValueError):
    """A rule that cannot be drafted: ``errors`` maps each field to its reasons."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))


def side(number: int) -> str:
    return "odd" if number % 2 else "even"


def rename_road(plates: Sequence[OldPlate], *, new_road_name: str) -> Mapping:
    if not plates:
        raise RuleRefused({"road": ["the road has no active plates"]})
    return [(p, replace(NewAddress.same(p), road_name=new_road_name)) for p in plates]


def promote_lane(plates: Sequence[OldPlate], *, lane: str, new_road_name: str) -> Mapping:
    chosen = [p for p in plates if p.lane == lane]
    if not chosen:
        raise RuleRefused({"lane": [f"no active plate on lane {lane}"]})
    return [(p, replace(NewAddress.same(p), road_name=new_road_name, lane=p.alley, alley="")) for p in chosen]


def move_area(plates: Sequence[OldPlate], *, village_id: int | None, neighborhood: int | None) -> Mapping:
    if not plates:
        raise RuleRefused({"plates": ["choose at least one plate"]})
    if village_id is None and neighborhood is None:
        raise RuleRefused({"village": ["give the new village, the new 鄰, or both"]})
    return [
        (
            p,
            replace(
                NewAddress.same(p),
                village_id=village_id or p.village_id,
                neighborhood=neighborhood if neighborhood is not None else p.neighborhood,
            ),
        )
        for p in plates
    ]


def _entrances(plates: Iterable[OldPlate], *, key) -> dict[tuple, list[OldPlate]]:
    groups: dict[tuple, list[OldPlate]] = defaultdict(list)
    for p in plates:
        groups[key(p)].append(p)
    return groups


def walking_order(entrances: dict[tuple, list[OldPlate]]) -> list[tuple]:
    """Entrance keys ordered along the street's main axis, pointed the way the old numbers grow (ties: number)."""
    keys = list(entrances)
    if len(keys) < 2:
        return keys
    points = np.array([[np.mean([p.x for p in entrances[k]]), np.mean([p.y for p in entrances[k]])] for k in keys])
    numbers = np.array([min(p.number for p in entrances[k]) for k in keys], dtype=float)
    centred = points - points.mean(axis=0)
    _u, _s, vt = np.linalg.svd(centred, full_matrices=False)
    along = centred @ vt[0]
    if np.ptp(numbers) > 0 and np.corrcoef(along, numbers)[0, 1] < 0:
        along = -along
    order = sorted(range(len(keys)), key=lambda i: (round(float(along[i]), 2), numbers[i], keys[i][-1] or 0))
    return [keys[i] for i in order]


def _one_street(plates: Sequence[OldPlate]) -> None:
    streets = {p.street for p in plates}
    if len(streets) != 1:
        raise RuleRefused({"plates": [f"choose the plates of one street (road, lane or alley); got {len(streets)}"]})


def renumber(
    plates: Sequence[OldPlate], *, first_odd: int | None, first_even: int | None, drop_sub_numbers: bool = False
) -> Mapping:
    """New numbers along the walking order, each side from its first number in steps of two."""
    if not plates:
        raise RuleRefused({"plates": ["choose at least one plate"]})
    _one_street(plates)
    errors: dict[str, list[str]] = {}
    for name, first, parity in (("first_odd", first_odd, 1), ("first_even", first_even, 0)):
        if first is not None and (first < 1 or first % 2 != parity):
            errors[name] = [f"must be {'an odd' if parity else 'an even'} number of at least 1 (got {first})"]
    if errors:
        raise RuleRefused(errors)
    key = (
        (lambda p: (p.number_prefix, p.number, p.sub_number))
        if drop_sub_numbers
        else (lambda p: (p.number_prefix, p.number))
    )
    out: Mapping = []
    for parity, first in (("odd", first_odd), ("even", first_even)):
        entrances = _entrances((p for p in plates if side(p.number) == parity), key=key)
        if not entrances:
            continue
        if first is None:
            raise RuleRefused({f"first_{parity}": [f"give the first {parity} number: the plan has {parity} numbers"]})
        for n, k in enumerate(walking_order(entrances)):
            new_number = first + 2 * n
            for p in entrances[k]:
                new = replace(NewAddress.same(p), number=new_number, number_prefix=p.number_prefix)
                if drop_sub_numbers:
                    new = replace(new, sub_number=None)
                out.append((p, new))
    return out


def add_sub_numbers(plates: Sequence[OldPlate], *, base: int, first: int = 1) -> Mapping:
    """Chosen entrances → base之first, base之first+1 … along the walking order (units behind them follow)."""
    if not plates:
        raise RuleRefused({"plates": ["choose at least one plate"]})
    if base < 1 or first < 1:
        raise RuleRefused({"base": [f"the base number and the first 之 must be at least 1 (got {base}, {first})"]})
    _one_street(plates)
    entrances = _entrances(plates, key=lambda p: (p.number_prefix, p.number, p.sub_number))
    out: Mapping = []
    for n, k in enumerate(walking_order(entrances)):
        for p in entrances[k]:
            out.append((p, replace(NewAddress.same(p), number=base, sub_number=first + n, number_prefix="")))
    return out


def walking_sequence(pairs: list[tuple]) -> list[tuple]:
    """(key, new address) pairs in the order a letter carrier walks the new addresses: by street, odd side up, even
    side back down, floors and units after their entrance (the key — an old plate or an item's position — breaks
    ties)."""

    def unit(pair):
        new = pair[1]
        return (
            new.number_prefix,
            new.sub_number or 0,
            new.number_suffix or 0,
            new.floor is not None,
            new.floor or 0,
            new.floor_sub or 0,
            (pair[0] if isinstance(pair[0], int) else pair[0].id),
        )

    out: Mapping = []
    for _street, group in itertools.groupby(sorted(pairs, key=lambda pr: pr[1].street), key=lambda pr: pr[1].street):
        items = list(group)
        odd = sorted((pr for pr in items if pr[1].number % 2), key=lambda pr: (pr[1].number, unit(pr)))
        even = sorted((pr for pr in items if not pr[1].number % 2), key=lambda pr: (-pr[1].number, unit(pr)))
        out.extend(odd + even)
    return out
