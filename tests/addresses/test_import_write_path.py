"""The importer on the write path: staff corrections survive re-imports (conflicts), plates come back under their
own id, one txid per import, and a failed or killed import leaves a failed-batch record saying where."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection

from geo_portal.addresses.imports import import_doorplates
from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.plates import plate_move, plate_retire, plate_set_condition
from geo_portal.core.dsn import database_url
from geo_portal.ingest.models import ImportBatch
from tests.addresses.test_import import HEADER, MAPPING, rows_twd97
from tests.conftest import X0, Y0, write_csv


def run(path, **kw):
    return import_doorplates(path=path, columns=MAPPING, srid=3826, report_dir=path.parent, **kw)


def plate(address: str) -> DoorPlate:
    return DoorPlate.objects.get(address=address, status="active")


def test_a_staff_correction_is_not_reverted_and_a_disagreeing_file_is_a_conflict(areas, tmp_path):
    run(write_csv(tmp_path / "v1.csv", HEADER, rows_twd97()))
    p = plate("新竹市東區光復路二段2號")
    # A clerk fixes the position by 25 m; the same file comes again: nothing changes, nothing is reported.
    plate_move(plate_id=p.pk, version=1, point=Point(X0 + 135, Y0 + 90, srid=3826), reason="survey", actor="clerk1")
    again = run(write_csv(tmp_path / "v1b.csv", HEADER, rows_twd97()))
    assert (again.counts["changed"], again.counts["conflicts"], again.counts["unchanged"]) == (0, 0, 4)
    assert plate("新竹市東區光復路二段2號").geom.x == X0 + 135
    # A newer file moves the same plate elsewhere: a conflict for a clerk, the staff position stays.
    rows = rows_twd97()
    rows[2][3] = X0 + 100
    newer = run(write_csv(tmp_path / "v2.csv", HEADER, rows))
    assert (newer.counts["changed"], newer.counts["conflicts"]) == (0, 1)
    [conflict] = newer.conflicts
    assert (conflict.row, conflict.field, conflict.value) == (4, "location", f"plate {p.pk}")
    assert conflict.reason.startswith("staff changed this plate after the last import (clerk1, ")
    assert conflict.reason.endswith(", version 2); the file would move it 35.0 m; kept the plate's value — a clerk decides")
    assert plate("新竹市東區光復路二段2號").geom.x == X0 + 135
    # Fields staff did not touch still follow the file: another plate moves.
    rows[0][3] = rows[1][3] = X0 + 105
    third = run(write_csv(tmp_path / "v3.csv", HEADER, rows))
    assert (third.counts["changed"], third.counts["conflicts"]) == (2, 0)
    assert plate("新竹市東區光復路二段1號").geom.x == X0 + 105


def test_a_condition_change_by_staff_is_no_conflict(areas, tmp_path):
    run(write_csv(tmp_path / "v1.csv", HEADER, rows_twd97()))
    p = plate("新竹市東區光復路二段1號")
    plate_set_condition(plate_id=p.pk, version=1, condition="missing", checked_on=dt.date(2026, 3, 1), actor="s")
    again = run(write_csv(tmp_path / "v1b.csv", HEADER, rows_twd97()))
    assert (again.counts["changed"], again.counts["conflicts"]) == (0, 0)
    assert plate("新竹市東區光復路二段1號").condition == "missing"


def test_absent_then_back_is_restored_under_its_own_id(areas, tmp_path):
    run(write_csv(tmp_path / "v1.csv", HEADER, rows_twd97()))
    original = plate("新竹市東區福德街3之1號").pk
    run(write_csv(tmp_path / "v2.csv", HEADER, rows_twd97()[:3]), allow_mass_retire=True)
    assert DoorPlate.objects.get(pk=original).status == "retired"
    back = run(write_csv(tmp_path / "v3.csv", HEADER, rows_twd97()))
    assert (back.counts["added"], back.counts["restored"]) == (0, 1)
    restored = plate("新竹市東區福德街3之1號")
    assert (restored.pk, restored.retired_on, restored.version) == (original, None, 3)
    assert DoorPlate.objects.filter(address="新竹市東區福德街3之1號").count() == 1


def test_a_plate_staff_retired_is_not_brought_back_by_a_file(areas, tmp_path):
    run(write_csv(tmp_path / "v1.csv", HEADER, rows_twd97()))
    p = plate("新竹市東區福德街3之1號")
    plate_retire(plate_id=p.pk, version=1, retired_on=dt.date(2026, 5, 1), reason="demolished", actor="clerk2")
    again = run(write_csv(tmp_path / "v1b.csv", HEADER, rows_twd97()))
    assert (again.counts["added"], again.counts["restored"], again.counts["conflicts"]) == (0, 0, 1)
    [conflict] = again.conflicts
    assert (conflict.row, conflict.field) == (5, "status")
    assert conflict.reason == (
        "staff retired this plate on 2026-05-01 (clerk2, version 2); the file still lists it; not re-added — a clerk decides"
    )
    assert not DoorPlate.objects.filter(address="新竹市東區福德街3之1號", status="active").exists()


def test_a_plate_staff_created_is_not_retired_by_an_import(areas, tmp_path):
    from geo_portal.addresses.plates import Components, plate_create
    from geo_portal.areas.models import Road

    run(write_csv(tmp_path / "v1.csv", HEADER, rows_twd97()))
    road = Road.objects.get(name="光復路二段")
    created = plate_create(
        district=areas["district"], components=Components(number=9, road=road), point=Point(X0 + 50, Y0 + 50, srid=3826),
        actor="surveyor1",
    ).plate  # fmt: skip
    again = run(write_csv(tmp_path / "v1b.csv", HEADER, rows_twd97()))
    assert again.counts["retired"] == 0
    created.refresh_from_db()
    assert created.status == "active"


@pytest.mark.django_db(transaction=True)
def test_one_import_is_one_txid_with_its_cause(areas, tmp_path):
    result = run(write_csv(tmp_path / "v1.csv", HEADER, rows_twd97()))
    with connection.cursor() as cur:
        cur.execute(
            "SELECT t.txid, e.entity, count(*), min(e.cause), min(e.actor) FROM changes_event e "
            "JOIN changes_transaction t ON t.id = e.transaction_id WHERE e.cause LIKE 'import_batch:%%' "
            "GROUP BY 1, 2 ORDER BY 2"
        )
        rows = cur.fetchall()
    cause, actor = f"import_batch:{result.batch_id}", f"import batch {result.batch_id}"
    txid = rows[0][0]
    assert rows == [(txid, "plate", 4, cause, actor), (txid, "road", 2, cause, actor)]
    assert ImportBatch.objects.get(pk=result.batch_id).status == "applied"


@pytest.mark.django_db(transaction=True)
def test_a_failed_import_leaves_a_record_naming_the_stage(areas, tmp_path, monkeypatch):
    from geo_portal.addresses.imports import services

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_merge", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        run(write_csv(tmp_path / "v1.csv", HEADER, rows_twd97()))
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.message, batch.stage) == ("failed", "failed during merge: RuntimeError: disk full", "merge")
    assert DoorPlate.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_killed_import_is_recorded_as_interrupted_by_the_next_one(areas, tmp_path):
    rows = [
        [f"新竹市東區光復路二段{n}號", "10018010001", "", X0 + 1 + n % 900, Y0 + 1 + n // 900] for n in range(1, 300_001)
    ]
    big = write_csv(tmp_path / "big.csv", HEADER, rows)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "DJANGO_SETTINGS_MODULE": "geo_portal.config.settings.local",
    }
    maps = [arg for k, v in MAPPING.items() for arg in ("--map", f"{k}={v}")]
    proc = subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "import_doorplates", str(big), *maps, "--srid", "3826"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        batch = ImportBatch.objects.filter(stage="reading and checking rows").first()
        if batch:
            break
        time.sleep(0.05)
    assert batch is not None, "the import never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    time.sleep(0.5)  # the server notices the closed connection and ends its backend
    run(write_csv(tmp_path / "small.csv", HEADER, rows_twd97()))
    batch.refresh_from_db()
    assert (batch.status, batch.message) == (
        "failed",
        "interrupted during reading and checking rows: the process ended before the import finished; "
        "nothing of it was applied",
    )
    assert DoorPlate.objects.count() == 4
