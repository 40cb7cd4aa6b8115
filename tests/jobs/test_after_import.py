"""After a door-plate import commits, real jobs link its plates to buildings and assign their 3+3 zip codes.

Real PostGIS, the real procrastinate queue and a real worker (no mocks): the import queues the jobs on commit,
the worker runs them, and the tests assert which building and which code each plate got.
"""

from __future__ import annotations

import pytest
from procrastinate.contrib.django import app

from geo_portal.addresses.imports import AFTER_IMPORT_TASKS, import_doorplates
from geo_portal.addresses.models import DoorPlate, ZipCodeRule
from geo_portal.addresses.tasks import ASSIGN_IMPORTED_ZIP_CODES_TASK
from geo_portal.buildings.models import Building, PlateBuilding
from geo_portal.buildings.tasks import LINK_IMPORTED_PLATES_TASK
from tests.conftest import X0, Y0, square, write_csv
from tests.jobs.conftest import job_rows

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = ["address", "village_code", "neighborhood", "x", "y"]
MAPPING = {"address": "address", "village_code": "village_code", "neighborhood": "neighborhood", "x": "x", "y": "y"}
ONE = ["新竹市東區光復路二段1號", "10018010001", "3", X0 + 100, Y0 + 100]
ONE_2F = ["新竹市東區光復路二段1號2樓", "10018010001", "3", X0 + 100, Y0 + 100]
TWO = ["新竹市東區光復路二段2號", "10018010001", "3", X0 + 110, Y0 + 90]
FUDE = ["新竹市東區褔德街3之1號", "10018010002", "1", X0 + 1500, Y0 + 500]


@pytest.fixture
def world(areas):
    """Three footprints and the 3+3 rules of 光復路二段 (odd side 300001, even side 300002; none for 福德街)."""
    b1 = Building.objects.create(geom=square(X0 + 95, Y0 + 95, 10), source="t", source_id="b1")  # holds 1號
    b2 = Building.objects.create(geom=square(X0 + 108, Y0 + 85, 6), source="t", source_id="b2")  # holds 2號
    Building.objects.create(geom=square(X0 + 1520, Y0 + 500, 10), source="t", source_id="far")  # 20 m from 福德街
    for position, (zip_code, scope) in enumerate([("300001", "單全"), ("300002", "雙全")], start=1):
        ZipCodeRule.objects.create(
            zip_code=zip_code,
            county="新竹市",
            district="東區",
            road="光復路二段",
            scope=scope,
            position=position,
            source="t",
        )
    return {"b1": b1.pk, "b2": b2.pk}


def run_import(tmp_path, name, rows, **kw):
    path = write_csv(tmp_path / name, HEADER, rows)
    return import_doorplates(path=path, columns=MAPPING, srid=3826, report_dir=tmp_path, **kw)


def links() -> dict[str, tuple[int, str, float]]:
    return {
        address: (building, method, round(distance, 3))
        for address, building, method, distance in PlateBuilding.objects.values_list(
            "plate__address", "building_id", "method", "distance_m"
        )
    }


def zip_codes() -> dict[str, str]:
    return dict(DoorPlate.objects.active().values_list("address", "zip_code"))


def test_the_import_queues_both_jobs_on_commit_by_name(world, tmp_path, queue):
    assert set(AFTER_IMPORT_TASKS) == {LINK_IMPORTED_PLATES_TASK, ASSIGN_IMPORTED_ZIP_CODES_TASK}
    assert set(AFTER_IMPORT_TASKS) <= set(app.tasks)  # the names the import uses are registered tasks
    result = run_import(tmp_path, "p.csv", [ONE, ONE_2F, TWO, FUDE])
    assert job_rows() == [
        (LINK_IMPORTED_PLATES_TASK, {"since_batch_id": result.batch_id}, "todo", 0),
        (ASSIGN_IMPORTED_ZIP_CODES_TASK, {"since_batch_id": result.batch_id}, "todo", 0),
    ]
    # Nothing is linked or coded until a worker runs the jobs.
    assert PlateBuilding.objects.count() == 0
    assert set(zip_codes().values()) == {""}


def test_a_dry_run_queues_nothing(world, tmp_path, queue):
    run_import(tmp_path, "p.csv", [ONE, TWO], dry_run=True)
    assert job_rows() == []


def test_the_worker_links_the_plates_and_assigns_their_codes(world, tmp_path, run_worker):
    run_import(tmp_path, "p.csv", [ONE, ONE_2F, TWO, FUDE])
    run_worker()
    assert [(name, status, attempts) for name, _, status, attempts in job_rows()] == [
        (LINK_IMPORTED_PLATES_TASK, "succeeded", 1),
        (ASSIGN_IMPORTED_ZIP_CODES_TASK, "succeeded", 1),
    ]
    assert links() == {
        "新竹市東區光復路二段1號": (world["b1"], "contains", 0.0),
        "新竹市東區光復路二段1號2樓": (world["b1"], "contains", 0.0),
        "新竹市東區光復路二段2號": (world["b2"], "contains", 0.0),
        # 福德街3之1號: the only footprint near it is 20 m away, beyond the 15 m tolerance: no link.
    }
    assert zip_codes() == {
        "新竹市東區光復路二段1號": "300001",
        "新竹市東區光復路二段1號2樓": "300001",
        "新竹市東區光復路二段2號": "300002",
        "新竹市東區福德街3之1號": "",  # no rule for 福德街
    }


def test_a_second_import_while_the_jobs_wait_queues_no_second_run_and_one_run_covers_both(world, tmp_path, run_worker):
    first = run_import(tmp_path, "1.csv", [ONE, ONE_2F, TWO])
    moved_two = ["新竹市東區光復路二段2號", "10018010001", "3", X0 + 97, Y0 + 97]  # now inside b1
    three = ["新竹市東區光復路二段3號", "10018010001", "3", X0 + 111, Y0 + 88]  # new, inside b2
    second = run_import(tmp_path, "2.csv", [ONE, ONE_2F, moved_two, three])
    assert (second.counts["added"], second.counts["changed"]) == (1, 1)
    # The queueing locks refused the second pair: the waiting jobs (since batch 1) cover batch 2 as well.
    assert job_rows() == [
        (LINK_IMPORTED_PLATES_TASK, {"since_batch_id": first.batch_id}, "todo", 0),
        (ASSIGN_IMPORTED_ZIP_CODES_TASK, {"since_batch_id": first.batch_id}, "todo", 0),
    ]
    run_worker()
    assert [status for _, _, status, _ in job_rows()] == ["succeeded", "succeeded"]
    assert links() == {
        "新竹市東區光復路二段1號": (world["b1"], "contains", 0.0),
        "新竹市東區光復路二段1號2樓": (world["b1"], "contains", 0.0),
        "新竹市東區光復路二段2號": (world["b1"], "contains", 0.0),
        "新竹市東區光復路二段3號": (world["b2"], "contains", 0.0),
    }
    assert zip_codes()["新竹市東區光復路二段3號"] == "300001"


def test_a_later_import_relinks_moved_plates_and_unlinks_retired_ones(world, tmp_path, run_worker):
    run_import(tmp_path, "1.csv", [ONE, ONE_2F, TWO])
    run_worker()
    unchanged_link = PlateBuilding.objects.get(plate__address="新竹市東區光復路二段1號").pk
    moved_two = ["新竹市東區光復路二段2號", "10018010001", "3", X0 + 97, Y0 + 97]
    third = run_import(tmp_path, "3.csv", [ONE, moved_two], allow_mass_retire=True)  # 1號2樓 retired
    assert (third.counts["changed"], third.counts["retired"]) == (1, 1)
    run_worker()
    assert [(args, status) for _, args, status, _ in job_rows()][-2:] == [
        ({"since_batch_id": third.batch_id}, "succeeded"),
        ({"since_batch_id": third.batch_id}, "succeeded"),
    ]
    assert links() == {
        "新竹市東區光復路二段1號": (world["b1"], "contains", 0.0),
        "新竹市東區光復路二段2號": (world["b1"], "contains", 0.0),
    }
    # Incremental: the link of the unchanged plate is the same row, not a recomputed one.
    assert PlateBuilding.objects.get(plate__address="新竹市東區光復路二段1號").pk == unchanged_link
