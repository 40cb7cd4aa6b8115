"""Deterministic synthetic district (示範區) for demos and scale benchmarks.

``generate(out_dir, plates=N, seed=S)`` streams four files that the normal importers load:
``villages.csv`` (MOI village-table layout), ``villages.geojson`` (village squares), ``doorplates.csv``
(geo_portal layout, TWD97 TM2 / EPSG:3826) and ``buildings.csv`` (WKT footprints). Nothing is held in memory
per plate, so it scales from 1,000 to 10,000,000 plates.

The district: east–west roads every 200 m with sections every 2 km; lanes (巷) every 40 m north of each road,
alleys (弄) off every third lane; odd numbers on one side and even on the other; some 之 numbers; most
entrances are multi-storey buildings with one plate per floor sharing the entrance's point.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path

from geo_portal.core.numerals import int_to_cn

COUNTY_CODE, COUNTY_NAME = "10018", "新竹市"
DISTRICT_CODE, DISTRICT_NAME = "10018990", "示範區"
ORIGIN_X, ORIGIN_Y = 252_000.0, 2_735_000.0  # TWD97 TM2, east of Hsinchu's East District
ROAD_SPACING, SECTION_LENGTH, VILLAGE_SIZE = 200.0, 2_000.0, 1_000.0
PLATE_SPACING, LANE_SPACING, LANE_LENGTH = 10.0, 40.0, 120.0
ROAD_NAMES = [f"{a}{b}路" for a in "光明中正和平民生建國信義仁愛復興忠孝博愛自由" for b in "華興安德"]


@dataclass(frozen=True)
class Entrance:
    road: str
    lane: int | None
    alley: int | None
    number: int
    sub: int | None
    x: float
    y: float


def _entrances(rng: random.Random):
    """Endless stream of entrances, road by road, in a square-ish district that grows with the count."""
    road_index = 0
    while True:
        name = ROAD_NAMES[road_index % len(ROAD_NAMES)]
        if road_index >= len(ROAD_NAMES):
            name = f"{name[:-1]}{int_to_cn(road_index // len(ROAD_NAMES) + 1)}路"
        y = ORIGIN_Y + road_index * ROAD_SPACING
        for section in range(1, 6):
            road = f"{name}{int_to_cn(section)}段"
            x0 = ORIGIN_X + (section - 1) * SECTION_LENGTH
            for i in range(int(SECTION_LENGTH / PLATE_SPACING)):
                x = x0 + i * PLATE_SPACING
                for side, dy in ((1, 8.0), (2, -8.0)):  # odd numbers north, even south
                    number = 2 * i + side
                    yield Entrance(road, None, None, number, None, x, y + dy)
                    if rng.random() < 0.05:
                        yield Entrance(road, None, None, number, 1, x + 4, y + dy)
                if i % int(LANE_SPACING / PLATE_SPACING) == 2:
                    lane = 2 * i + 1
                    for j in range(1, int(LANE_LENGTH / PLATE_SPACING)):
                        for lside, dx in ((1, 6.0), (2, -6.0)):
                            yield Entrance(road, lane, None, 2 * j + lside - 2, None, x + dx, y + 8 + j * PLATE_SPACING)
                    if i % int(3 * LANE_SPACING / PLATE_SPACING) == 2:
                        alley_y = y + 8 + LANE_LENGTH / 2
                        for k in range(1, 4):
                            yield Entrance(road, lane, 1, 2 * k - 1, None, x + 6 + k * PLATE_SPACING, alley_y + 5)
        road_index += 1


def _village_of(x: float, y: float) -> tuple[int, int, int]:
    col = int((x - ORIGIN_X) // VILLAGE_SIZE)
    row = int((y - ORIGIN_Y + ROAD_SPACING / 2) // VILLAGE_SIZE)  # plates south of the first road count too
    return col, row, row * 10 + col + 1  # five 2 km sections → at most 10 columns


def generate(out_dir: Path, *, plates: int, seed: int) -> dict[str, int]:
    """Write the four files for ``plates`` door plates; returns counts."""
    if not 1 <= plates <= 10_000_000:
        raise ValueError("plates must be between 1 and 10,000,000")
    rng = random.Random(seed)  # noqa: S311 (deterministic demo data, not security)
    out_dir.mkdir(parents=True, exist_ok=True)
    villages: set[tuple[int, int, int]] = set()
    written = buildings = 0
    with (
        (out_dir / "doorplates.csv").open("w", encoding="utf-8", newline="") as pf,
        (out_dir / "buildings.csv").open("w", encoding="utf-8", newline="") as bf,
    ):
        plates_out, buildings_out = csv.writer(pf), csv.writer(bf)
        plates_out.writerow(["address", "village_code", "neighborhood", "x", "y"])
        buildings_out.writerow(["id", "floors", "WKT"])
        for e in _entrances(rng):
            col, row, vnum = _village_of(e.x, e.y)
            villages.add((col, row, vnum))
            village_code = f"{DISTRICT_CODE}{vnum:03d}"
            hood = (
                int(((e.x - ORIGIN_X) % VILLAGE_SIZE) // 100)
                + 10 * int(((e.y - ORIGIN_Y + ROAD_SPACING / 2) % VILLAGE_SIZE) // 200)
                + 1
            )
            base = f"{COUNTY_NAME}{DISTRICT_NAME}{e.road}"
            if e.lane:
                base += f"{e.lane}巷"
            if e.alley:
                base += f"{e.alley}弄"
            base += f"{e.number}之{e.sub}號" if e.sub else f"{e.number}號"
            floors = 1 if rng.random() < 0.4 else rng.randint(2, 15)
            x, y = round(e.x, 3), round(e.y, 3)
            plates_out.writerow([base, village_code, hood, x, y])
            written += 1
            for floor in range(2, floors + 1):
                if written >= plates:
                    break
                plates_out.writerow([f"{base}{floor}樓", village_code, hood, x, y])
                written += 1
            # Footprint: 8 m wide, 12 m deep, behind the entrance (away from the road).
            depth = 12.0 if e.lane or (e.number % 2) else -12.0
            x1, x2, y1, y2 = x - 4, x + 4, y, y + depth
            buildings_out.writerow(
                [f"b{buildings + 1}", floors, f"POLYGON(({x1} {y1},{x2} {y1},{x2} {y2},{x1} {y2},{x1} {y1}))"]
            )
            buildings += 1
            if written >= plates:
                break
    _write_villages(out_dir, villages)
    return {"plates": written, "buildings": buildings, "villages": len(villages)}


def _write_villages(out_dir: Path, villages: set[tuple[int, int, int]]) -> None:
    with (out_dir / "villages.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["VILLCODE", "COUNTYNAME", "TOWNNAME", "VILLNAME", "VILLENG", "COUNTYCODE", "TOWNCODE"])
        features = []
        for col, row, vnum in sorted(villages, key=lambda v: v[2]):
            code = f"{DISTRICT_CODE}{vnum:03d}"
            name = f"示範{int_to_cn(vnum)}里"
            out.writerow([code, COUNTY_NAME, DISTRICT_NAME, name, f"Demo {vnum} Vil.", COUNTY_CODE, DISTRICT_CODE])
            x0, y0 = ORIGIN_X + col * VILLAGE_SIZE, ORIGIN_Y - ROAD_SPACING / 2 + row * VILLAGE_SIZE
            ring = [
                [x0, y0],
                [x0 + VILLAGE_SIZE, y0],
                [x0 + VILLAGE_SIZE, y0 + VILLAGE_SIZE],
                [x0, y0 + VILLAGE_SIZE],
                [x0, y0],
            ]
            features.append(
                {
                    "type": "Feature",
                    "properties": {"VILLCODE": code, "VILLNAME": name},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            )
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3826"}},
        "features": features,
    }
    (out_dir / "villages.geojson").write_text(json.dumps(collection), encoding="utf-8")
