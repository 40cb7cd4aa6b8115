"""The monthly re-import: the same file again is recorded as unchanged with nothing written; a 1%-changed file
reads only its changed rows, writes events and history for those alone, and leaves the plates a fresh import of
that file would make (issue 16 §5)."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from geo_portal.addresses.imports import import_doorplates, services
from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.plates import plate_move
from geo_portal.ingest.models import ImportBatch
from tests.addresses.test_import import HEADER, MAPPING
from tests.conftest import X0, Y0, write_csv


def run(path, **kw):
    return import_doorplates(path=path, columns=MAPPING, srid=3826, report_dir=path.parent, **kw)


def rows_v1() -> list[list]:
    """40 plates on 光復路二段 (1號–40號) in village 甲里, 鄰 3; one exact duplicate of 5號 at the end."""
    rows = [[f"新竹市東區光復路二段{n}號", "10018010001", "3", X0 + 10 * n, Y0 + 100] for n in range(1, 41)]
    return [*rows, list(rows[4])]


def rows_v2() -> list[list]:
    """v1 with 3 changes: 7號 moved 5 m, 20號 gone, 41號 new (at the end, after the duplicate)."""
    rows = rows_v1()
    rows[6][3] = X0 + 75
    del rows[19]
    return [*rows, ["新竹市東區光復路二段41號", "10018010001", "3", X0 + 410, Y0 + 100]]


def plate_events() -> list[tuple[str, int]]:
    with connection.cursor() as cur:
        cur.execute("SELECT operation, entity_id FROM changes_event WHERE entity = 'plate' ORDER BY entity_id, operation")
        return cur.fetchall()


def last_history_id() -> int:
    return DoorPlate.pgh_event_model.objects.order_by("-pgh_id").values_list("pgh_id", flat=True).first() or 0


def history(*, after: int) -> list[tuple[str, int]]:
    """History rows written after ``after`` (a ``pgh_id``), sorted."""
    events = DoorPlate.pgh_event_model.objects.filter(pgh_id__gt=after)
    return sorted(events.values_list("pgh_label", "pgh_obj_id"))


@pytest.fixture(params=["in process", "in the server"])
def first_pass(request, monkeypatch) -> str:
    """The re-import's first pass in the importer's process (files up to ``LINES_HASHED_IN_PROCESS`` lines) or in
    PostgreSQL (larger files): each test that takes this runs with both."""
    if request.param == "in the server":
        monkeypatch.setattr(services, "LINES_HASHED_IN_PROCESS", 0)
    return request.param


def snapshot() -> list[tuple]:
    """The active plates as the public sees them: address, key, position, village, 鄰, road."""
    return list(
        DoorPlate.objects.filter(status="active")
        .order_by("address_key")
        .values_list("address", "address_key", "geom", "village__code", "neighborhood__number", "road__name", "number")
    )


def test_the_same_file_again_is_recorded_as_unchanged_and_writes_nothing(areas, tmp_path):
    first = run(write_csv(tmp_path / "v1.csv", HEADER, rows_v1()))
    events, plates = plate_events(), list(DoorPlate.objects.order_by("id").values_list("id", "version", "updated_at"))
    again = run(write_csv(tmp_path / "v1-again.csv", HEADER, rows_v1()))
    assert again.same_as_batch == first.batch_id
    assert [(f.row, f.reason) for f in again.findings] == [(42, "duplicate of row 6 (same address after normalisation)")]
    assert {k: again.counts[k] for k in ("read", "loaded", "rejected", "added", "changed", "retired", "unchanged")} == {
        "read": 41, "loaded": 40, "rejected": 1, "added": 0, "changed": 0, "retired": 0, "unchanged": 40,
    }  # fmt: skip
    batch = ImportBatch.objects.get(pk=again.batch_id)
    assert (batch.status, batch.report_path) == ("unchanged", str(first.report_path))
    assert batch.message.startswith(f"the same file as batch {first.batch_id} (SHA-256 ")
    assert plate_events() == events
    assert list(DoorPlate.objects.order_by("id").values_list("id", "version", "updated_at")) == plates


def test_after_a_staff_edit_the_same_file_reads_no_unchanged_row_and_keeps_the_edit(areas, tmp_path):
    run(write_csv(tmp_path / "v1.csv", HEADER, rows_v1()))
    moved = DoorPlate.objects.get(address="新竹市東區光復路二段3號")
    point = Point(X0 + 33, Y0 + 133, srid=3826)
    plate_move(plate_id=moved.pk, version=moved.version, point=point, reason="surveyed", actor="clerk1")
    events = plate_events()
    again = run(write_csv(tmp_path / "v1-again.csv", HEADER, rows_v1()))
    # Not "unchanged" (staff wrote a plate since): the file is read, but only the duplicate row, which no plate holds.
    assert again.same_as_batch is None
    assert (again.counts["skipped"], again.counts["unchanged"], again.counts["changed"], again.counts["rejected"]) == (
        40, 40, 0, 1,
    )  # fmt: skip
    assert [(f.row, f.reason) for f in again.rejected] == [(42, "duplicate of row 6 (same address after normalisation)")]
    moved.refresh_from_db()
    assert (moved.geom.x, moved.geom.y, moved.updated_by) == (X0 + 33, Y0 + 133, "clerk1")
    assert plate_events() == events


def test_a_one_percent_change_touches_only_the_changed_rows_and_matches_a_fresh_import(areas, tmp_path, first_pass):
    first = run(write_csv(tmp_path / "v1.csv", HEADER, rows_v1()))
    ids = dict(DoorPlate.objects.values_list("address", "id"))
    events, past = plate_events(), last_history_id()
    diff = run(write_csv(tmp_path / "v2.csv", HEADER, rows_v2()))
    c = diff.counts
    assert (c["read"], c["skipped"], c["added"], c["changed"], c["retired"], c["unchanged"], c["loaded"]) == (
        41, 38, 1, 1, 1, 38, 40,
    )  # fmt: skip
    assert [(f.row, f.reason) for f in diff.rejected] == [(41, "duplicate of row 6 (same address after normalisation)")]
    new_id = DoorPlate.objects.get(address="新竹市東區光復路二段41號").pk
    moved_id, gone_id = ids["新竹市東區光復路二段7號"], ids["新竹市東區光復路二段20號"]
    # Change events and history for the three changed plates, nothing for the 38 others.
    assert sorted(set(plate_events()) - set(events)) == sorted(
        [("insert", new_id), ("update", gone_id), ("update", moved_id)]
    )
    assert len(plate_events()) == len(events) + 3
    assert history(after=past) == sorted([("plate.create", new_id), ("plate.update", gone_id), ("plate.update", moved_id)])
    gone = DoorPlate.objects.get(pk=gone_id)
    assert gone.status == "retired" and gone.retired_reason.startswith(f"absent from import batch {diff.batch_id}")
    assert DoorPlate.objects.get(pk=moved_id).geom.x == X0 + 75
    assert DoorPlate.objects.get(pk=ids["新竹市東區光復路二段8號"]).source_batch_id == first.batch_id
    after_diff = snapshot()
    # A fresh import of the changed file gives the same plates.
    DoorPlate.objects.all().delete()
    fresh = run(write_csv(tmp_path / "v2-fresh.csv", HEADER, rows_v2()))
    assert fresh.counts["skipped"] == 0 and fresh.counts["added"] == 40
    assert snapshot() == after_diff


def test_a_new_row_before_an_unchanged_row_with_its_address_reads_the_whole_file(areas, tmp_path, first_pass):
    """The first row with an address is the plate (the later one is the duplicate): a new row inserted before an
    unchanged one would turn that one into the duplicate, so this import reads every row, as a fresh one would."""
    run(write_csv(tmp_path / "v1.csv", HEADER, rows_v1()))
    rows = rows_v1()
    rows.insert(0, ["新竹市東區光復路二段12號", "10018010001", "3", X0 + 121, Y0 + 101])  # 12號 again, 1 m away
    result = run(write_csv(tmp_path / "v2.csv", HEADER, rows))
    assert (result.counts["skipped"], result.counts["changed"], result.counts["unchanged"]) == (0, 1, 39)
    assert sorted((f.row, f.reason) for f in result.rejected) == [
        (14, "duplicate of row 2 (same address after normalisation)"),
        (43, "duplicate of row 7 (same address after normalisation)"),
    ]
    assert DoorPlate.objects.get(address="新竹市東區光復路二段12號", status="active").geom.x == X0 + 121


@pytest.mark.parametrize("encoding", ["utf-8", "big5"])
def test_a_re_import_with_either_reader_of_the_first_pass_skips_the_same_rows(areas, tmp_path, encoding, first_pass):
    """In the importer every file is hashed in Python; in the server UTF-8 files are hashed by PostgreSQL and Big5
    files in Python: the digests are the same every way."""
    run(write_csv(tmp_path / "v1.csv", HEADER, rows_v1(), encoding=encoding), encoding=encoding)
    diff = run(write_csv(tmp_path / "v2.csv", HEADER, rows_v2(), encoding=encoding), encoding=encoding)
    assert (diff.counts["skipped"], diff.counts["added"], diff.counts["changed"], diff.counts["retired"]) == (38, 1, 1, 1)


def test_a_small_file_against_a_plates_table_too_large_for_memory_takes_the_pass_in_the_server(areas, tmp_path, monkeypatch):
    """The in-process pass holds every active plate's memory, whatever the file's size: with more plates than its limit
    (the planner's estimate: 40 after the first import), a small file's pass runs in PostgreSQL."""
    run(write_csv(tmp_path / "v1.csv", HEADER, rows_v1()))
    in_server = []
    real_pass = services._first_pass_in_server
    monkeypatch.setattr(services, "_first_pass_in_server", lambda *a: in_server.append(a[1].name) or real_pass(*a))
    monkeypatch.setattr(services, "LINES_HASHED_IN_PROCESS", 40)
    first = run(write_csv(tmp_path / "first-39.csv", HEADER, rows_v1()[:39]))  # 40號 and the duplicate left out
    assert (first.counts["skipped"], first.counts["retired"], in_server) == (39, 1, [])
    monkeypatch.setattr(services, "LINES_HASHED_IN_PROCESS", 39)
    second = run(write_csv(tmp_path / "first-38.csv", HEADER, rows_v1()[:38]))
    assert (second.counts["skipped"], second.counts["retired"], in_server) == (38, 1, ["first-38.csv"])
