"""Door-plate importer on small files with fixed coordinates: checks, report, diff, history, all-or-nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from pyproj import Transformer

from geo_portal.addresses.imports import Mapping, import_doorplates, load_area_index, stage_rows, stage_rows_parallel
from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import Neighborhood, Road, RoadAlias
from geo_portal.ingest.csvio import read_csv
from geo_portal.ingest.errors import ImportRefused
from geo_portal.ingest.models import ImportBatch
from tests.conftest import X0, Y0, write_csv

HEADER = ["address", "village_code", "neighborhood", "x", "y"]
MAPPING = {"address": "address", "village_code": "village_code", "neighborhood": "neighborhood", "x": "x", "y": "y"}


def rows_twd97():
    return [
        ["新竹市東區光復路二段1號", "10018010001", "3", X0 + 100, Y0 + 100],
        ["新竹市東區光復路2段1號2樓", "10018010001", "3", X0 + 100, Y0 + 100],
        ["新竹市東區光復路二段2號", "10018010001", "3", X0 + 110, Y0 + 90],
        ["新竹市東區褔德街3之1號", "10018010002", "1", X0 + 1500, Y0 + 500],
    ]


def run(path, **kw):
    return import_doorplates(path=path, columns=MAPPING, srid=3826, report_dir=path.parent, **kw)


def test_twd97_file_loads_with_components_and_points(areas, tmp_path):
    result = run(write_csv(tmp_path / "p.csv", HEADER, rows_twd97()))
    assert result.counts["added"] == 4 and result.counts["rejected"] == 0 and result.counts["warnings"] == 0
    plates = list(DoorPlate.objects.order_by("id"))
    assert [p.address for p in plates] == [
        "新竹市東區光復路二段1號",
        "新竹市東區光復路二段1號2樓",
        "新竹市東區光復路二段2號",
        "新竹市東區福德街3之1號",
    ]
    assert (plates[0].geom.srid, plates[0].geom.x, plates[0].geom.y) == (3826, X0 + 100, Y0 + 100)
    assert plates[1].geom == plates[0].geom  # floor unit shares its entrance's point
    assert (plates[1].floor, plates[1].number, plates[1].road.name) == (2, 1, "光復路二段")
    assert plates[3].sub_number == 1 and plates[3].village.code == "10018010002"
    assert sorted(Road.objects.values_list("name", "base_name", "section")) == [
        ("光復路二段", "光復路", 2),
        ("福德街", "福德街", None),
    ]
    assert list(RoadAlias.objects.values_list("road__name", "alias", "kind")) == [("福德街", "褔德街", "variant")]
    assert sorted(Neighborhood.objects.values_list("village__name", "number")) == [("乙里", 1), ("甲里", 3)]
    assert plates[0].address_key == "光復路二段1號#3"


def test_lon_lat_file_with_the_same_points_gives_the_same_geometry(areas, tmp_path):
    to_wgs = Transformer.from_crs(3826, 4326, always_xy=True)
    rows = [[r[0], r[1], r[2], *to_wgs.transform(r[3], r[4])] for r in rows_twd97()]
    import_doorplates(path=write_csv(tmp_path / "w.csv", HEADER, rows), columns=MAPPING, srid=4326, report_dir=tmp_path)
    p = DoorPlate.objects.get(address="新竹市東區光復路二段1號")
    assert (round(p.geom.x, 3), round(p.geom.y, 3)) == (X0 + 100, Y0 + 100)


def test_bad_rows_are_reported_by_row_field_and_reason(areas, tmp_path):
    rows = rows_twd97() + [
        ["新竹市東區光復路二段5號", "10018010001", "3", X0 + 1, 0],  # line 6: y = 0
        ["新竹市東區光復路二段6號", "10018010001", "3", "abc", Y0],  # line 7: not a number
        ["新竹市東區光復路二段7號", "10018010001", "3", 9_000_000, 9_000_000],  # line 8: outside Taiwan
        ["光復路", "10018010001", "3", X0, Y0],  # line 9: no number
        ["新竹市東區光復路二段1號", "10018010001", "3", X0 + 100, Y0 + 100],  # line 10: duplicate of line 2
        ["新竹市東區光復路二段9號", "10018010999", "3", X0, Y0],  # line 11: unknown village
        ["新竹市東區光復路二段10號", "10018010001", "3", X0 + 1200, Y0 + 10],  # line 12: outside its village
        ["新竹市北區光復路二段11號", "", "", X0, Y0],  # line 13: unknown district
    ]
    result = run(write_csv(tmp_path / "p.csv", HEADER, rows))
    found = sorted((f.row, f.level, f.field, f.reason) for f in result.findings)
    assert found == [
        (6, "rejected", "y", "coordinate is 0"),
        (7, "rejected", "x", "not a number"),
        (8, "rejected", "x/y", "point is outside Taiwan"),
        (9, "rejected", "number", "number: missing house number (號)"),
        (10, "rejected", "address", "duplicate of row 2 (same address after normalisation)"),
        (11, "rejected", "village_code", "unknown village code"),
        (12, "warning", "location", "point lies outside its declared village 甲里"),
        (13, "rejected", "district", "unknown county/district"),
    ]
    assert result.counts["added"] == 5 and result.counts["rejected"] == 7
    report = (tmp_path / f"doorplates-{result.batch_id}-applied.csv").read_text(encoding="utf-8").splitlines()
    assert report[0] == "row,level,field,value,reason"
    assert report[1] == "6,rejected,y,0,coordinate is 0"


def test_srid_is_required_and_never_guessed(areas, tmp_path):
    path = write_csv(tmp_path / "p.csv", HEADER, rows_twd97())
    with pytest.raises(ImportRefused, match=r"does not say its coordinate system: pass --srid"):
        import_doorplates(path=path, columns=MAPPING, report_dir=tmp_path)
    assert DoorPlate.objects.count() == 0
    assert ImportBatch.objects.get().status == "failed"


def test_big5_file_gets_a_clear_message_or_is_decoded_when_declared(areas, tmp_path):
    path = write_csv(tmp_path / "big5.csv", HEADER, rows_twd97()[:3], encoding="cp950")
    with pytest.raises(ImportRefused) as exc:
        run(path)
    assert str(exc.value) == (
        "big5.csv: line 2 is not valid utf-8 (byte 0xb7 at column 1); nothing was imported. "
        "It decodes as Big5 (cp950): pass --encoding big5 if that is what it is."
    )
    assert DoorPlate.objects.count() == 0
    assert run(path, encoding="big5").counts["added"] == 3


def test_missing_column_is_refused(areas, tmp_path):
    path = write_csv(tmp_path / "p.csv", ["addr", "x", "y"], [["光復路二段1號", X0, Y0]])
    with pytest.raises(ImportRefused, match=r"column\(s\) not in the file: address=address"):
        run(path)


def test_rerun_changes_nothing_and_a_newer_file_is_a_diff_with_history(areas, tmp_path):
    first = run(write_csv(tmp_path / "v1.csv", HEADER, rows_twd97()))
    again = run(write_csv(tmp_path / "v1b.csv", HEADER, rows_twd97()))
    assert (again.counts["added"], again.counts["changed"], again.counts["retired"], again.counts["unchanged"]) == (
        0,
        0,
        0,
        4,
    )
    moved = rows_twd97()
    moved[2][3] = X0 + 120  # 2號 moved 10 m east
    del moved[3]  # 福德街3之1號 gone
    moved.append(["新竹市東區光復路二段4號", "10018010001", "3", X0 + 130, Y0 + 90])
    diff = run(write_csv(tmp_path / "v2.csv", HEADER, moved), allow_mass_retire=True)
    assert (diff.counts["added"], diff.counts["changed"], diff.counts["retired"], diff.counts["unchanged"]) == (1, 1, 1, 2)
    gone = DoorPlate.objects.get(address="新竹市東區福德街3之1號")
    assert gone.status == "retired" and gone.retired_reason.startswith(f"absent from import batch {diff.batch_id}")
    moved_plate = DoorPlate.objects.get(address="新竹市東區光復路二段2號")
    event = moved_plate.events.get(pgh_label="plate.update")
    assert (event.pgh_label, event.geom.x, event.source_batch_id) == ("plate.update", X0 + 110, first.batch_id)
    assert event.pgh_context.metadata["import_batch"] == diff.batch_id


def test_mass_retirement_is_refused_and_leaves_everything_as_it_was(areas, tmp_path):
    run(write_csv(tmp_path / "v1.csv", HEADER, rows_twd97()))
    before = list(DoorPlate.objects.order_by("id").values_list("id", "status", "geom"))
    with pytest.raises(ImportRefused, match=r"would retire 3 of 4 active plates \(75.0%, limit 5%\)"):
        run(
            write_csv(
                tmp_path / "v2.csv",
                HEADER,
                [*rows_twd97()[:1], ["新竹市東區光復路二段8號", "10018010001", "3", X0 + 10, Y0 + 10]],
            )
        )
    assert list(DoorPlate.objects.order_by("id").values_list("id", "status", "geom")) == before
    assert not DoorPlate.objects.filter(address="新竹市東區光復路二段8號").exists()


def test_dry_run_reports_and_changes_nothing(areas, tmp_path):
    result = run(write_csv(tmp_path / "p.csv", HEADER, rows_twd97()), dry_run=True)
    assert result.counts["added"] == 4
    assert DoorPlate.objects.count() == 0 and Road.objects.count() == 0
    assert ImportBatch.objects.get().status == "dry_run"


def test_a_row_rejected_for_its_point_does_not_retire_the_existing_plate(areas, tmp_path):
    run(write_csv(tmp_path / "v1.csv", HEADER, rows_twd97()))
    rows = rows_twd97()
    rows[2][4] = 0
    result = run(write_csv(tmp_path / "v2.csv", HEADER, rows))
    assert result.counts["retired"] == 0 and result.counts["rejected"] == 1
    assert DoorPlate.objects.get(address="新竹市東區光復路二段2號").status == "active"


def _unlogged_staging_tables() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT relname FROM pg_class WHERE relpersistence = 'u' AND relname LIKE 'doorplate%%' ORDER BY 1")
        return [r[0] for r in cur.fetchall()]


@pytest.mark.parametrize("parallel_staging", [False, True], ids=["temporary staging", "unlogged staging"])
def test_a_bulk_load_numbers_new_plates_by_their_line_and_the_sequence_goes_on_after_them(
    areas, tmp_path, monkeypatch, parallel_staging
):
    """A first load bigger than BULK_LOAD_MIN_ROWS reserves a block of ids: a plate's id is the block's first plus its
    line's offset, so ids follow the file; lines that add nothing leave gaps; later plates get ids after the block.
    A file over PARALLEL_STAGING_MIN_BYTES is staged in unlogged tables (same result), dropped before the commit."""
    monkeypatch.setattr("geo_portal.addresses.imports.services.BULK_LOAD_MIN_ROWS", 2)
    if parallel_staging:
        monkeypatch.setattr("geo_portal.addresses.imports.services.PARALLEL_STAGING_MIN_BYTES", 0)
    rows = rows_twd97()[:3] + [
        ["新竹市東區光復路二段5號", "10018010001", "3", X0 + 1, 0],  # line 5: y = 0, rejected
        ["新竹市東區光復路二段1號", "10018010001", "3", X0 + 100, Y0 + 100],  # line 6: duplicate of line 2
        ["新竹市東區光復路二段7號", "10018010001", "3", X0 + 120, Y0 + 80],  # line 7
        rows_twd97()[3],  # line 8
    ]
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(" ".join(str(sql).split()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        result = run(write_csv(tmp_path / "bulk.csv", HEADER, rows))
    assert (result.counts["added"], result.counts["rejected"]) == (5, 2)
    kinds = sorted({w for st in statements for w in ("UNLOGGED", "TEMP") if f"CREATE {w} TABLE doorplate_work" in st})
    assert kinds == (["UNLOGGED"] if parallel_staging else ["TEMP"])
    plates = list(DoorPlate.objects.order_by("id").values_list("id", "address"))
    first = plates[0][0]
    assert [(pk - first, address) for pk, address in plates] == [
        (0, "新竹市東區光復路二段1號"),
        (1, "新竹市東區光復路二段1號2樓"),
        (2, "新竹市東區光復路二段2號"),
        (5, "新竹市東區光復路二段7號"),
        (6, "新竹市東區福德街3之1號"),
    ]
    assert _unlogged_staging_tables() == []
    later = run(
        write_csv(
            tmp_path / "more.csv",
            HEADER,
            [*rows_twd97(), rows[5], ["新竹市東區光復路二段8號", "10018010001", "3", X0 + 130, Y0 + 70]],
        )
    )
    assert later.counts["added"] == 1
    assert DoorPlate.objects.get(address="新竹市東區光復路二段8號").pk == first + 7


def test_parallel_staging_gives_the_same_rows_and_findings_as_serial(areas, tmp_path):
    """More rows than one chunk goes through worker processes; the result must be identical and in order."""
    rows = [[f"新竹市東區光復路二段{n}號", "10018010001", "3", X0 + n % 900, Y0 + 10] for n in range(1, 12_001)]
    rows[7_000][4] = 0  # one rejected row in the second chunk
    path = write_csv(tmp_path / "big.csv", HEADER, rows)
    mapping_columns = dict(MAPPING)
    results = []
    for stage in (stage_rows, stage_rows_parallel):
        header, reader = read_csv(path)
        findings, protected = [], []
        staged = list(stage(reader, Mapping.build(header, mapping_columns), load_area_index(None), findings, protected))
        results.append((staged, findings, protected))
    assert len(results[0][0]) == 11_999
    assert results[0] == results[1]
    assert [(f.row, f.field, f.reason) for f in results[1][1]] == [(7002, "y", "coordinate is 0")]
