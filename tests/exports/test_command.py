"""``manage.py export_layer``: writes the file (or standard output), refuses bad arguments with a clear message."""

from __future__ import annotations

import errno
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from geo_portal.exports import writers
from tests.exports.conftest import EXPECTED_VILLAGES, as_csv_text, expected_plates, read_back


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("export_layer", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_writes_the_file_and_says_how_much(exportable, tmp_path):
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "plates-wgs84.gpkg"
    out, _ = run("plates", "--format", "gpkg", "--srid", "4326", "--output", str(path))
    size = path.stat().st_size
    assert re.fullmatch(rf"wrote 3 plates to {re.escape(str(path))} \(EPSG:4326, {size:,} bytes\) in \d+\.\d s\n", out)
    back = read_back(path, "gpkg")
    assert (back.epsg, back.rows) == (4326, expected_plates(exportable))
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_default_output_is_layer_dot_extension_here(exportable, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out, _ = run("villages", "--format", "parquet", "-v", "0")
    assert out.startswith("wrote 2 villages to villages.parquet (EPSG:3826, ")
    assert read_back(tmp_path / "villages.parquet", "parquet").rows == EXPECTED_VILLAGES


def test_csv_to_standard_output(exportable):
    out, err = run("plates", "--format", "csv", "--output", "-")
    lines = out.splitlines()
    assert lines[0] == (
        "\ufeffid,address,district_code,road,area,lane,alley,number_prefix,number,sub_number,number_suffix,floor,"
        "floor_unit,floor_sub,zip_code,village_code,village,neighborhood,status,condition,last_checked_on,wkt"
    )
    first = expected_plates(exportable)[0]
    assert lines[1] == ",".join(as_csv_text(v) for v in first.values()) + ",POINT(250050 2740050)"
    assert len(lines) == 4
    assert re.fullmatch(r"wrote 3 plates \(EPSG:3826\) in \d+\.\d s\n", err)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["roads", "--format", "csv"], "unknown layer 'roads'; use one of plates, buildings, villages"),
        (["plates", "--format", "shp"], "unknown format 'shp'; use one of csv, geojson, gpkg, parquet"),
        (
            ["plates", "--format", "csv", "--srid", "3857"],
            "unknown srid '3857'; use 3826 (TWD97 TM2, metres) or 4326 (WGS84 lon/lat)",
        ),
        (
            ["roads", "--format", "shp", "--srid", "x"],
            "unknown layer 'roads'; use one of plates, buildings, villages; "
            "unknown format 'shp'; use one of csv, geojson, gpkg, parquet; "
            "unknown srid 'x'; use 3826 (TWD97 TM2, metres) or 4326 (WGS84 lon/lat)",
        ),
        (["plates", "--format", "gpkg", "-o", "-"], "gpkg cannot be written to standard output; give --output FILE"),
        (["plates"], "Error: the following arguments are required: --format"),
    ],
)
def test_refuses_bad_arguments(db, args, message):
    with pytest.raises(CommandError) as excinfo:
        run(*args)
    assert str(excinfo.value) == message


def test_refuses_an_output_it_cannot_write(db, tmp_path, monkeypatch):
    missing = tmp_path / "no-such-dir" / "plates.csv"
    with pytest.raises(CommandError) as excinfo:
        run("plates", "--format", "csv", "-o", str(missing))
    assert str(excinfo.value) == f"cannot write {missing}: {missing.parent} is not a directory"

    with pytest.raises(CommandError) as excinfo:
        run("plates", "--format", "csv", "-o", str(tmp_path))
    assert str(excinfo.value) == f"cannot write {tmp_path}: it is a directory; give a file name"

    def read_only(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(writers.os, "open", read_only)
    with pytest.raises(CommandError) as excinfo:
        run("plates", "--format", "csv", "-o", str(tmp_path / "plates.csv"))
    assert str(excinfo.value) == f"cannot write {tmp_path / 'plates.csv'}: Permission denied"
    assert list(tmp_path.iterdir()) == []
