"""The search evaluation run against a loaded database: per-family top-1 and the answers to addresses that do not exist.

Used by ``bench.search`` (``make bench``) and by the real-data test that holds the per-family floors. Reads the
district's active plates into ``PlateRecord`` rows, writes them in every family of ``support.address_forms``, runs
``geocode`` on each text and scores the first answer; times every call (in-process latency over all families).
"""

from __future__ import annotations

import csv
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from support.address_forms import FAMILIES, NONEXISTENT_KINDS, PlateRecord, family_queries, is_hit, nonexistent

# Answers that count as a hit for an address that exists (interpolated and base answers are misses).
HIT_GRADES = ("exact", "normalised", "fuzzy")
CONFIDENT_GRADES = HIT_GRADES


@dataclass
class Evaluation:
    top1: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    misses: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # family → (text, grade, first answer)
    nonexistent: dict[str, dict[str, int]] = field(default_factory=dict)  # kind → {n, confident}
    confident_nonexistent: list[tuple[str, str, str, str]] = field(default_factory=list)
    latency_ms: dict[str, float] = field(default_factory=dict)

    @property
    def overall(self) -> float:
        total = sum(self.counts.values())
        return sum(self.top1[f] * self.counts[f] for f in self.top1) / total if total else 0.0

    def as_dict(self) -> dict:
        return {
            "top1": self.top1,
            "per_family": self.counts,
            "overall": self.overall,
            "nonexistent": self.nonexistent,
            "false_confident_matches": sum(v["confident"] for v in self.nonexistent.values()),
            "latency_ms": self.latency_ms,
            "misses": {k: v[:5] for k, v in self.misses.items() if v},
            "confident_nonexistent": self.confident_nonexistent[:20],
        }


def plate_records(district_code: str) -> list[PlateRecord]:
    """Every active plate of the district as a ``PlateRecord`` (one query)."""
    from django.db.models import FloatField, Func

    from geo_portal.addresses.models import DoorPlate
    from geo_portal.addresses.search.english import english_from_parts, english_place

    rows = (
        DoorPlate.objects.active()
        .filter(district__code=district_code)
        .annotate(px=Func("geom", function="ST_X", output_field=FloatField()))
        .annotate(py=Func("geom", function="ST_Y", output_field=FloatField()))
        .values(
            "pk",
            "address",
            "district__county__name",
            "district__county__name_en",
            "district__name",
            "district__name_en",
            "village__name",
            "neighborhood__number",
            "zip_code",
            "road__base_name",
            "road__section",
            "road__name_en",
            "area",
            "lane",
            "alley",
            "number_prefix",
            "number",
            "sub_number",
            "number_suffix",
            "floor",
            "floor_unit",
            "floor_sub",
            "px",
            "py",
        )
        .order_by("pk")
    )
    rows = list(rows)
    bare: set[tuple] = set()
    lowest: dict[tuple, tuple[int, int]] = {}
    for r in rows:
        key = _entrance_key(r)
        if r["floor"] is None:
            bare.add(key)
        else:
            # The database's order (no floor sub-number last), as the geocoder picks the lowest unit.
            rank = (r["floor"], r["floor_sub"] if r["floor_sub"] is not None else 10**9)
            if key not in lowest or rank < lowest[key]:
                lowest[key] = rank
    out = []
    for r in rows:
        key = _entrance_key(r)
        road_en = r["road__name_en"] or ""
        road_base_en = road_en.split(", ", 1)[1] if road_en.startswith("Sec. ") else road_en
        out.append(
            PlateRecord(
                pk=r["pk"],
                address=r["address"],
                county=r["district__county__name"],
                district=r["district__name"],
                village=r["village__name"] or "",
                hood=r["neighborhood__number"],
                zip_code=r["zip_code"],
                road_base=r["road__base_name"] or "",
                section=r["road__section"],
                area=r["area"],
                lane=r["lane"],
                alley=r["alley"],
                prefix=r["number_prefix"],
                number=r["number"],
                sub=r["sub_number"],
                suffix=r["number_suffix"],
                floor=r["floor"],
                floor_unit=r["floor_unit"],
                floor_sub=r["floor_sub"],
                x=r["px"],
                y=r["py"],
                address_en=english_from_parts(
                    number_prefix=r["number_prefix"],
                    number=r["number"],
                    sub_number=r["sub_number"],
                    number_suffix=r["number_suffix"],
                    floor=r["floor"],
                    floor_sub=r["floor_sub"],
                    lane=r["lane"],
                    alley=r["alley"],
                    place=english_place(road_en or (r["road__base_name"] or ""), r["area"]),
                    district=r["district__name_en"] or r["district__name"],
                    county=r["district__county__name_en"] or r["district__county__name"],
                ),
                road_en=road_base_en,
                district_en=r["district__name_en"],
                county_en=r["district__county__name_en"],
                entrance_has_bare_plate=key in bare,
                lowest_unit=r["floor"] is not None
                and lowest.get(key) == (r["floor"], r["floor_sub"] if r["floor_sub"] is not None else 10**9),
            )
        )
    return out


def _entrance_key(r: dict) -> tuple:
    return (
        r["road__base_name"],
        r["road__section"],
        r["area"],
        r["lane"],
        r["alley"],
        r["number_prefix"],
        r["number"],
        r["sub_number"],
        r["number_suffix"],
    )


def national_road_names(path: Path) -> list[str]:
    """Road names of the national zh→en table (first column), 臺 for 台."""
    with path.open(encoding="utf-8", newline="") as fh:
        return sorted({row[0].strip().replace("台", "臺") for row in csv.reader(fh) if row and row[0].strip()})


def other_areas(district_pairs: Sequence[tuple[str, str]], covered: set[tuple[str, str]]) -> list[str]:
    """Prefixes naming other districts: county+district, 台 for 臺, and a district name alone where it is unique."""
    names: dict[str, int] = {}
    for _, d in district_pairs:
        names[d] = names.get(d, 0) + 1
    out = []
    for c, d in district_pairs:
        if (c, d) in covered:
            continue
        out.append(c + d)
        out.append(c.replace("臺", "台") + d)
        if names[d] == 1 and d[-1] == "區":
            out.append(d)
    return sorted(set(out))


def evaluate(
    geocode: Callable,
    records: Sequence[PlateRecord],
    *,
    per_family: int,
    seed: int,
    foreign_roads: Sequence[str],
    areas: Sequence[str],
    per_kind: int | None = None,
) -> Evaluation:
    """Run every family and every kind of non-existent address through ``geocode``; score and time each call."""
    ev = Evaluation()
    samples: list[float] = []
    by_family = {f.name: f for f in FAMILIES}
    for name, pairs in family_queries(records, per_family=per_family, seed=seed).items():
        family = by_family[name]
        hits = 0
        misses = []
        for record, text in pairs:
            start = time.perf_counter()
            result = geocode(text)
            samples.append(time.perf_counter() - start)
            first = result.hits[0] if result.hits else None
            if first and result.grade in HIT_GRADES and is_hit(record, family, first.x, first.y, first.address):
                hits += 1
            else:
                misses.append((text, str(result.grade), first.address if first else "; ".join(result.notes)[:120]))
        ev.counts[name] = len(pairs)
        ev.top1[name] = hits / len(pairs) if pairs else 0.0
        ev.misses[name] = misses
    ev.nonexistent = {kind: {"n": 0, "confident": 0} for kind in NONEXISTENT_KINDS}
    for item in nonexistent(
        records, per_kind=per_kind or per_family, seed=seed + 1, foreign_roads=foreign_roads, other_areas=areas
    ):
        start = time.perf_counter()
        result = geocode(item.text)
        samples.append(time.perf_counter() - start)
        ev.nonexistent[item.kind]["n"] += 1
        if result.hits and result.grade in CONFIDENT_GRADES:
            ev.nonexistent[item.kind]["confident"] += 1
            ev.confident_nonexistent.append((item.kind, item.text, str(result.grade), result.hits[0].address))
    q = statistics.quantiles(sorted(samples), n=100, method="inclusive")
    ev.latency_ms = {"n": len(samples), "p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000, "p99_ms": q[98] * 1000}
    return ev
