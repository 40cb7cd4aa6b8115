"""The synthetic district: deterministic, realistic structure, loads through the normal importers."""

from __future__ import annotations

import csv
import hashlib

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.parsing import parse
from geo_portal.demo.generator import generate
from geo_portal.demo.loading import load_generated


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_files_different_seed_different_files(tmp_path):
    a = generate(tmp_path / "a", plates=3000, seed=7)
    b = generate(tmp_path / "b", plates=3000, seed=7)
    generate(tmp_path / "c", plates=3000, seed=8)
    assert a == b and a["plates"] == 3000
    assert digest(tmp_path / "a" / "doorplates.csv") == digest(tmp_path / "b" / "doorplates.csv")
    assert digest(tmp_path / "a" / "doorplates.csv") != digest(tmp_path / "c" / "doorplates.csv")


def test_odd_numbers_on_one_side_even_on_the_other_and_every_row_parses(tmp_path):
    generate(tmp_path, plates=5000, seed=1)
    sides: dict[bool, set[float]] = {True: set(), False: set()}
    kinds = {"lane": 0, "alley": 0, "sub": 0, "floor": 0}
    with (tmp_path / "doorplates.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            result = parse(row["address"])
            assert result.ok, row
            a = result.address
            kinds["lane"] += bool(a.lane)
            kinds["alley"] += bool(a.alley)
            kinds["sub"] += a.sub_number is not None
            kinds["floor"] += a.floor is not None
            if not a.lane and a.section == 1 and a.road == "光華路":
                sides[a.number % 2 == 1].add(float(row["y"]) - 2_735_000)
    assert sides == {True: {8.0}, False: {-8.0}}
    assert all(count > 0 for count in kinds.values()), kinds


def test_generated_district_loads(db, tmp_path):
    counts = generate(tmp_path, plates=2000, seed=1)
    out = load_generated(tmp_path, report_dir=tmp_path, log=lambda _m: None)
    assert out["doorplates"]["added"] == 2000 and out["doorplates"]["rejected"] == 0
    assert out["buildings"]["inserted"] == counts["buildings"]
    assert DoorPlate.objects.filter(district__code="10018990").count() == 2000
