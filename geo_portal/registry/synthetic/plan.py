"""Planning a synthetic register for one village: households of realistic sizes on its door plates, filled with
persons whose sex and single-year ages are exactly the village's monthly report. Pure Python, no database.

Called by ``load`` village by village (so memory stays flat at ×10). Deterministic: a village's plan depends only
on the seed, the village code, the scale and the inputs.

How a village is built:

1. **Persons** are the report's counts by sex and age (×scale), each given a birth date that makes them that age
   on the reference date (the report's month end); age 100 stands for 100 and over.
2. **Household sizes** (one per reported household) come from a size distribution tilted so its mean equals the
   village's persons per household, then nudged one person at a time until they add up exactly.
3. **Heads** are drawn first, one adult per household (singles from all adults, heads of families around 30–70).
   **Members** follow, biggest households first: a spouse of about the head's age, a parent of the head in some
   large households, children about 28–35 years younger; when no one of the wanted age is left, the nearest age
   left is taken. Relations (稱謂) are read from the ages actually drawn.
4. **Plates**: one household per plate where there are more plates than households (unit plates and houses before
   the bare entrance of a building with units, which is often a shop); where households outnumber plates, every
   plate gets one and the rest share plates. Some households moved in from another plate of the district (their
   address history has two periods).
5. **Names**: surnames by national frequency (children take the father's), given names from common characters.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from geo_portal.registry.synthetic.names import FEMALE_CHARACTERS, MALE_CHARACTERS, SURNAMES

AGES = 101  # 0–99 and "100 and over"
ADULT = 18
HEAD_MIN_AGE = 20
# Registered household sizes 1–8, a rough national profile (many one-person households are registered).
BASE_SIZES = (0.30, 0.24, 0.19, 0.15, 0.07, 0.03, 0.015, 0.005)
MAX_SIZE = 12
EARLIEST_REGISTRATION = dt.date(1986, 1, 1)
MOVED_SHARE = 0.15  # households whose address history has an earlier plate in the district
SINGLE_KIND_SHARE = 0.85  # one-person households registered as 單獨生活戶 (the others as 共同生活戶)


@dataclass(frozen=True)
class PlateSlot:
    plate_id: int
    bare_entrance: bool  # an entrance plate whose building has floor or unit plates behind it


@dataclass(frozen=True)
class VillageSpec:
    code: str
    households: int
    male_by_age: tuple[int, ...]
    female_by_age: tuple[int, ...]
    plates: tuple[PlateSlot, ...]


@dataclass
class PlannedPerson:
    name: str
    sex: str
    birth_date: dt.date
    relation: str
    since: dt.date


@dataclass
class PlannedHousehold:
    kind: str
    plate_id: int
    start: dt.date
    previous: tuple[int, dt.date] | None  # (plate id, moved on) for households that moved in the district
    members: list[PlannedPerson] = field(default_factory=list)  # the head first


class PlanError(ValueError):
    """The village's numbers cannot be planned (no plates, fewer adults than households, ...)."""


def tilted_sizes(mean: float) -> list[float]:
    """``BASE_SIZES`` tilted (weights × θ^size) so the distribution's mean is ``mean``, by bisection on θ."""
    sizes = range(1, len(BASE_SIZES) + 1)

    def mean_for(theta: float) -> float:
        weights = [w * theta**k for w, k in zip(BASE_SIZES, sizes, strict=True)]
        return sum(w * k for w, k in zip(weights, sizes, strict=True)) / sum(weights)

    lo, hi = 1e-3, 50.0
    target = min(max(mean, 1.0001), len(BASE_SIZES) - 0.01)
    for _ in range(80):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if mean_for(mid) < target else (lo, mid)
    theta = math.sqrt(lo * hi)
    weights = [w * theta**k for w, k in zip(BASE_SIZES, sizes, strict=True)]
    total = sum(weights)
    return [w / total for w in weights]


def household_sizes(rng: random.Random, households: int, persons: int) -> list[int]:
    """``households`` sizes ≥ 1 adding up to ``persons`` exactly, shaped like a real size profile."""
    if households <= 0 or persons < households:
        raise PlanError(f"{persons} persons cannot fill {households} households")
    weights = tilted_sizes(persons / households)
    sizes = rng.choices(range(1, len(weights) + 1), weights=weights, k=households)
    diff = persons - sum(sizes)
    while diff:
        i = rng.randrange(households)
        if diff > 0 and sizes[i] < MAX_SIZE:
            sizes[i] += 1
            diff -= 1
        elif diff < 0 and sizes[i] > 1:
            sizes[i] -= 1
            diff += 1
    return sizes


class Pool:
    """The village's persons not yet placed, as counts by sex and age; draws the nearest age left."""

    def __init__(self, male: tuple[int, ...], female: tuple[int, ...], rng: random.Random) -> None:
        self.counts = {"M": list(male), "F": list(female)}
        self.rng = rng
        adults = [(male[a] + female[a]) for a in range(AGES)]
        self.cumulative = []
        running = 0
        for a in range(AGES):
            running += adults[a] if a >= HEAD_MIN_AGE else 0
            self.cumulative.append(running)

    def take(self, sexes: tuple[str, ...], target: int, lo: int = 0, hi: int = AGES - 1) -> tuple[str, int] | None:
        """A person of one of ``sexes`` with the age nearest ``target`` within [lo, hi] (ties: random sex)."""
        lo, hi = max(lo, 0), min(hi, AGES - 1)
        if lo > hi:
            return None
        target = min(max(target, lo), hi)
        counts = [self.counts[sex] for sex in sexes]
        for d in range(max(target - lo, hi - target) + 1):
            found = []
            for age in (target - d, target + d) if d else (target,):
                if lo <= age <= hi:
                    found.extend((sex, age) for sex, by_age in zip(sexes, counts, strict=True) if by_age[age] > 0)
            if found:
                sex, age = found[self.rng.randrange(len(found))] if len(found) > 1 else found[0]
                self.counts[sex][age] -= 1
                return sex, age
        return None

    def anyone(self, target: int) -> tuple[str, int]:
        picked = self.take(("M", "F"), target)
        if picked is None:
            raise PlanError("more household places than persons")
        return picked

    def random_adult_age(self) -> int:
        """An age drawn like the village's adults (by the report, not by what is left)."""
        total = self.cumulative[-1]
        return bisect.bisect_right(self.cumulative, self.rng.randrange(total)) if total else HEAD_MIN_AGE


def birth_date(rng: random.Random, age: int, on: dt.date) -> dt.date:
    """A birth date that makes a person ``age`` on ``on`` (age 100 stands for 100–104)."""
    years = age + (rng.randrange(5) if age == AGES - 1 else 0)
    latest = _years_before(on, years)
    earliest = _years_before(on, years + 1) + dt.timedelta(days=1)
    return earliest + dt.timedelta(days=rng.randrange((latest - earliest).days + 1))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _relation(head_age: int, age: int, sex: str, slot: str) -> str:
    male = sex == "M"
    if slot == "spouse":
        return "spouse"
    if slot == "parent":
        return "father" if male else "mother"
    gap = head_age - age
    if gap >= 40:
        return "grandson" if male else "granddaughter"
    if gap >= 15:
        return "son" if male else "daughter"
    if gap > -15:
        return "brother" if male else "sister"
    if gap > -40:
        return "father" if male else "mother"
    return "grandfather" if male else "grandmother"


class Namer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.surnames = [s for s, _w in SURNAMES]
        self.cumulative = list(itertools.accumulate(w for _s, w in SURNAMES))

    def surname(self) -> str:
        return self.surnames[bisect.bisect_right(self.cumulative, self.rng.randrange(self.cumulative[-1]))]

    def given(self, sex: str) -> str:
        chars = MALE_CHARACTERS if sex == "M" else FEMALE_CHARACTERS
        count = 1 if self.rng.random() < 0.08 else 2
        return "".join(self.rng.choice(chars) for _ in range(count))


def _plates_for(rng: random.Random, households: int, plates: tuple[PlateSlot, ...]) -> list[int]:
    if not plates:
        raise PlanError("no active door plates")
    # Unit plates and houses first (random order), bare entrances of buildings with units after them.
    ordered = sorted(plates, key=lambda p: (p.bare_entrance, rng.random()))
    if households <= len(ordered):
        chosen = [p.plate_id for p in ordered[:households]]
    else:
        chosen = [p.plate_id for p in ordered] + [rng.choice(ordered).plate_id for _ in range(households - len(ordered))]
    rng.shuffle(chosen)
    return chosen


def plan_village(
    spec: VillageSpec, *, seed: int, scale: int, on: dt.date, district_plates: tuple[int, ...]
) -> list[PlannedHousehold]:
    """The village's households with their members (head first), ready to be numbered and loaded."""
    rng = random.Random(f"{seed}:{spec.code}:{scale}")  # noqa: S311 (deterministic synthetic data, not secrets)
    male = tuple(n * scale for n in spec.male_by_age)
    female = tuple(n * scale for n in spec.female_by_age)
    households, persons = spec.households * scale, sum(male) + sum(female)
    if len(male) != AGES or len(female) != AGES:
        raise PlanError(f"village {spec.code}: ages must be given for 0–100 ({AGES} values per sex)")
    adults = sum(male[HEAD_MIN_AGE:]) + sum(female[HEAD_MIN_AGE:])
    if adults < households:
        raise PlanError(f"village {spec.code}: {adults} adults cannot head {households} households")
    sizes = sorted(household_sizes(rng, households, persons), reverse=True)
    pool, namer = Pool(male, female, rng), Namer(rng)
    heads = []
    for size in sizes:  # heads first, so every household has an adult head
        if size == 1:
            picked = pool.take(("M", "F"), pool.random_adult_age(), HEAD_MIN_AGE)
        else:
            first = ("M", "F") if rng.random() < 0.62 else ("F", "M")
            target = rng.randint(30, 70)
            picked = pool.take(first[:1], target, HEAD_MIN_AGE) or pool.take(first[1:], target, HEAD_MIN_AGE)
        if picked is None:
            raise PlanError(f"village {spec.code}: not enough adults left for the heads")
        heads.append(picked)
    plates = _plates_for(rng, households, spec.plates)
    out = []
    for size, (head_sex, head_age), plate_id in zip(sizes, heads, plates, strict=True):
        out.append(_household(rng, pool, namer, size, head_sex, head_age, plate_id, on, district_plates))
    return out


def _household(
    rng,
    pool: Pool,
    namer: Namer,
    size: int,
    head_sex: str,
    head_age: int,
    plate_id: int,
    on: dt.date,
    district_plates: tuple[int, ...],
) -> PlannedHousehold:
    head_born = birth_date(rng, head_age, on)
    earliest = max(EARLIEST_REGISTRATION, _years_before(head_born, -ADULT))
    latest = on - dt.timedelta(days=30)
    start = earliest + dt.timedelta(days=rng.randrange(max(1, (latest - earliest).days)))
    previous = None
    if rng.random() < MOVED_SHARE and (latest - start).days > 400 and len(district_plates) > 1:
        moved = start + dt.timedelta(days=rng.randrange(365, (latest - start).days))
        previous = (rng.choice([p for p in rng.sample(district_plates, 2) if p != plate_id]), moved)
    kind = "single" if size == 1 and rng.random() < SINGLE_KIND_SHARE else "living"
    household = PlannedHousehold(kind=kind, plate_id=plate_id, start=start, previous=previous)
    family_name = namer.surname()
    household.members.append(PlannedPerson(family_name + namer.given(head_sex), head_sex, head_born, "head", start))
    slots = []
    if size >= 2 and rng.random() < (0.6 if size == 2 else 0.85):
        slots.append("spouse")
    if size >= 5 and rng.random() < 0.4:
        slots.append("parent")
    slots += ["child"] * (size - 1 - len(slots))
    spouse_surname = None
    for i, slot in enumerate(slots):
        if slot == "spouse":
            want = "F" if head_sex == "M" else "M"
            gap = 2 if head_sex == "M" else -2
            picked = pool.take((want,), head_age - gap, max(ADULT, head_age - 12), head_age + 12)
        elif slot == "parent":
            picked = pool.take(("M", "F"), head_age + 28, head_age + 18, head_age + 45)
        else:
            target = head_age - 28 - 3 * i
            picked = pool.take(("M", "F"), target, 0, max(0, head_age - 16))
        sex, age = picked or pool.anyone(head_age - 28)
        relation = _relation(head_age, age, sex, slot if picked else "child")
        if relation == "spouse":
            surname = namer.surname()
            spouse_surname = surname
        elif relation in ("son", "daughter", "grandson", "granddaughter", "brother", "sister", "father"):
            surname = family_name if head_sex == "M" or spouse_surname is None else spouse_surname
        else:
            surname = namer.surname()
        born = birth_date(rng, age, on)
        household.members.append(PlannedPerson(surname + namer.given(sex), sex, born, relation, max(start, born)))
    return household


def serials(count: int, *, first: int = 0) -> Iterator[int]:
    """Synthetic ID serials for persons ``first`` … in a fixed shuffled order (an affine bijection of 0–9,999,999),
    so consecutive persons do not get consecutive numbers."""
    for i in range(first, first + count):
        yield (i * 7_654_321 + 1_234_567) % 10_000_000
