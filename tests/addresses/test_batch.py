"""Batch geocoding: every input column kept, one status per row, malformed rows never stop the batch."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import translation

from geo_portal.addresses.imports import import_doorplates
from geo_portal.addresses.search import RESULT_COLUMNS, geocode_csv
from geo_portal.ingest.errors import ImportRefused
from tests.conftest import X0, Y0, write_csv


@pytest.fixture
def plates(areas, tmp_path):
    rows = [
        ["新竹市東區光復路二段1號", X0 + 10, Y0 + 10],
        ["新竹市東區光復路二段5號", X0 + 30, Y0 + 10],
        ["新竹市東區甲里1鄰建中路7號", X0 + 500, Y0 + 500],
        ["新竹市東區甲里2鄰建中路7號", X0 + 500, Y0 + 500],
    ]
    path = write_csv(tmp_path / "p.csv", ["address", "x", "y"], rows)
    import_doorplates(path=path, columns={"address": "address", "x": "x", "y": "y"}, srid=3826, report_dir=tmp_path)


INPUT = [
    ["id", "地址", "note"],
    ["a", "新竹市東區光復路二段1號", "canonical"],
    ["b", "光復路2段1號", "normalised"],
    ["c", "光復路二段3號", "between 1 and 5"],
    ["d", "建中路7號", "two 鄰"],
    ["e", "中山路1號", "unknown road"],
    ["f", "extra", "fields", "here"],
    ["g", "", "empty"],
    ["h", "臺北市中正區光復路二段1號", "another city: its street address exists here, the plate is not it"],
]


def run(tmp_path, rows=INPUT, **kw):
    source = tmp_path / "in.csv"
    with source.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    out = io.StringIO()
    stats = geocode_csv(source=source, out=out, **kw)
    return stats, list(csv.reader(io.StringIO(out.getvalue())))


def test_every_row_gets_a_status_and_keeps_its_columns(plates, tmp_path):
    with translation.override("en"):
        stats, rows = run(tmp_path)
    assert rows[0] == ["id", "地址", "note", *RESULT_COLUMNS]
    status = [(r[0], r[-11], r[-10], r[-8]) for r in rows[1:]]  # result columns are the last 11
    assert status == [
        ("a", "ok", "exact", "新竹市東區光復路二段1號"),
        ("b", "ok", "normalised", "新竹市東區光復路二段1號"),
        ("c", "approximate", "interpolated", "新竹市東區光復路二段3號"),
        ("d", "ambiguous", "exact", "新竹市東區建中路7號"),  # canonical street form, but two 鄰
        ("e", "none", "none", ""),
        ("f", "error", "", ""),
        ("g", "none", "none", ""),
        ("h", "none", "none", ""),
    ]
    assert rows[6][-1] == "line 7: row has 4 fields, header has 3"
    assert (
        rows[5][-1] == "中山路 is not a road of 新竹市東區, the area this platform covers; it is a road elsewhere in Taiwan"
    )
    assert rows[8][-1] == (
        "臺北市中正區 is outside the area this platform covers (新竹市東區); see the national door-plate service"
    )
    assert rows[1][9:11] == [f"{X0 + 10:.2f}", f"{Y0 + 10:.2f}"]
    assert stats.by_status == {"ok": 2, "approximate": 1, "ambiguous": 1, "none": 3, "error": 1}


def test_address_column_is_guessed_or_named(plates, tmp_path):
    with pytest.raises(ImportRefused, match=r"no column 'addr'; the header has id, 地址, note"):
        run(tmp_path, address_column="addr")
    with pytest.raises(ImportRefused, match=r"no address column found .* pass --address-column"):
        run(tmp_path, rows=[["id", "where"], ["1", "光復路二段1號"]])
    _, rows = run(tmp_path, rows=[["id", "where"], ["1", "光復路二段1號"]], address_column="where")
    assert rows[1][2:4] == ["ok", "exact"]


def test_command_and_big5(plates, tmp_path):
    source = tmp_path / "big5.csv"
    source.write_bytes("地址\n光復路二段1號\n".encode("cp950"))
    with pytest.raises(CommandError, match=r"not valid utf-8 .* pass --encoding big5"):
        call_command("geocode_csv", str(source), str(tmp_path / "out.csv"), verbosity=0)
    assert not (tmp_path / "out.csv").exists()
    call_command("geocode_csv", str(source), str(tmp_path / "out.csv"), encoding="big5", verbosity=0)
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()[1].startswith("光復路二段1號,ok,exact,")


def test_batch_api(client, plates):
    cache.clear()
    upload = io.BytesIO("地址\n光復路二段1號\n中山路1號\n".encode())
    upload.name = "mine.csv"
    response = client.post("/api/v1/geocode/batch", {"file": upload})
    assert (response.status_code, response["Content-Type"]) == (200, "text/csv; charset=utf-8")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [line.split(",")[:3] for line in lines] == [
        ["地址", "geo_status", "geo_grade"],
        ["光復路二段1號", "ok", "exact"],
        ["中山路1號", "none", "none"],
    ]


def test_batch_api_rejects_bad_files_with_400(client, db):
    cache.clear()
    big5 = io.BytesIO("地址\n光復路二段1號\n".encode("cp950"))
    big5.name = "b.csv"
    response = client.post("/api/v1/geocode/batch", {"file": big5}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["fields"]["file"][0].startswith("b.csv: line 1 is not valid utf-8")
    missing = client.post("/api/v1/geocode/batch", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert (missing.status_code, missing.json()["fields"]) == (400, {"file": ["No file was submitted."]})
