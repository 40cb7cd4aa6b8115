"""Batch geocoding: every input column kept, one status per row, malformed rows never stop the batch."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import translation

from geo_portal.addresses.imports import import_doorplates
from geo_portal.addresses.search import RESULT_COLUMNS, geocode_csv, geocode_csv_stream
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


# --- Issue 16 §1: input that broke the batch, each a row error or a refusal naming the field ---------------------


def run_bytes(tmp_path, data: bytes, **kw):
    source = tmp_path / "raw.csv"
    source.write_bytes(data)
    out = io.StringIO()
    stats = geocode_csv(source=source, out=out, **kw)
    return stats, list(csv.reader(io.StringIO(out.getvalue())))


def notes(rows):
    """(first column, status, note) of every data row."""
    return [(r[0], r[-11], r[-1]) for r in rows[1:]]


def test_a_field_past_the_csv_module_limit_is_a_row_error(plates, tmp_path):
    data = "id,地址\n1,光復路二段1號\n2,".encode() + b"x" * 131_073 + "\n3,光復路二段5號\n".encode()
    stats, rows = run_bytes(tmp_path, data)
    assert notes(rows) == [
        ("1", "ok", ""),
        ("", "error", "line 3, column '地址': longer than 4,096 characters (131,073)"),
        ("3", "ok", ""),
    ]
    assert stats.by_status == {"ok": 2, "error": 1}


def test_cr_only_line_endings_are_read(plates, tmp_path):
    _, rows = run_bytes(tmp_path, "id,地址\r1,光復路二段1號\r2,光復路二段5號\r".encode())
    assert notes(rows) == [("1", "ok", ""), ("2", "ok", "")]


def test_a_bare_cr_in_an_unquoted_field_is_a_row_error(plates, tmp_path):
    _, rows = run_bytes(tmp_path, "id,地址\n1,光復路二段\r1號\n2,光復路二段5號\n".encode())
    assert notes(rows) == [
        ("", "error", "line 2, column '地址': a line break (CR or LF) inside an unquoted field; quote the field"),
        ("2", "ok", ""),
    ]


def test_an_unterminated_quote_is_a_row_error_and_the_rows_after_it_are_kept(plates, tmp_path):
    _, rows = run_bytes(tmp_path, 'id,地址\n1,"光復路二段1號\n2,光復路二段5號\n'.encode())
    assert notes(rows) == [
        (
            "",
            "error",
            "line 2, column '地址': the quote that opens the field is not closed within 10 lines or by the end of "
            "the file; the lines after it are read as rows of their own",
        ),
        ("2", "ok", ""),
    ]


def test_a_quoted_field_may_hold_commas_and_line_breaks(plates, tmp_path):
    _, rows = run_bytes(tmp_path, 'id,地址,note\n1,光復路二段1號,"a, b\nc"\n2,光復路二段5號,x\n'.encode())
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [("1", "a, b\nc", "ok"), ("2", "x", "ok")]


def test_a_huge_neighbourhood_and_section_are_row_answers_not_failures(plates, tmp_path):
    """Issue 16: a 鄰 of 99999999999 overflowed the COPY into batch_stage; section 10000 failed in _match_chunk."""
    data = "id,地址\n1,甲里99999999999鄰光復路二段1號\n2,光復路10000段1號\n3,光復路二段5號\n".encode()
    stats, rows = run_bytes(tmp_path, data)
    assert notes(rows) == [
        ("1", "none", "neighborhood: 99999999999 is out of range (1–999)"),
        ("2", "none", "section: 10000 is out of range (1–99)"),
        ("3", "ok", ""),
    ]
    assert stats.by_status == {"none": 2, "ok": 1}


def test_invalid_utf8_in_a_row_is_a_row_error(plates, tmp_path):
    _, rows = run_bytes(tmp_path, "id,地址\n1,光復路二段1號\n".encode() + b"2,\xff\xfe\n" + "3,光復路二段5號\n".encode())
    assert notes(rows) == [
        ("1", "ok", ""),
        ("", "error", "line 3 is not valid utf-8 (byte 0xff at column 3)."),
        ("3", "ok", ""),
    ]


def test_a_doubled_bom_is_refused_naming_it(plates, tmp_path):
    with pytest.raises(ImportRefused) as info:
        run_bytes(tmp_path, b"\xef\xbb\xbf\xef\xbb\xbf" + "地址,id\n光復路二段1號,1\n".encode())
    assert str(info.value) == (
        "raw.csv: the header starts with a second byte-order mark (BOM), which would hide the first column's name; "
        "save the file again as UTF-8 (with one BOM or none)"
    )
    _, rows = run_bytes(tmp_path, b"\xef\xbb\xbf" + "地址,id\n光復路二段1號,1\n".encode())  # one BOM is fine
    assert rows[1][:4] == ["光復路二段1號", "1", "ok", "exact"]


def test_formula_cells_and_headers_are_neutralised(plates, tmp_path):
    data = "=id,地址,+note\n@1,光復路二段1號,-2+3\n\t2,光復路二段5號,-12.5\n".encode()
    _, rows = run_bytes(tmp_path, data)
    assert rows[0][:3] == ["'=id", "地址", "'+note"]
    assert [r[:4] for r in rows[1:]] == [["'@1", "光復路二段1號", "'-2+3", "ok"], ["'\t2", "光復路二段5號", "-12.5", "ok"]]


def test_a_late_failure_ends_the_stream_with_a_stopped_row(plates, tmp_path, monkeypatch):
    """Issue 16: a failure after the first chunk gave a 200 with a silently cut file."""
    from geo_portal.addresses.search import batch

    source = tmp_path / "in.csv"
    source.write_text("id,地址\n1,光復路二段1號\n2,光復路二段5號\n3,光復路二段1號\n", encoding="utf-8")
    real = batch._match_chunk
    calls = []

    def failing(chunk, col, width):
        calls.append(len(chunk))
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(chunk, col, width)

    monkeypatch.setattr(batch, "_match_chunk", failing)
    text = "".join(geocode_csv_stream(source=source, address_column=None, encoding="utf-8", chunk_rows=2))
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[:3] for r in rows[:3]] == [
        ["id", "地址", "geo_status"],
        ["1", "光復路二段1號", "ok"],
        ["2", "光復路二段5號", "ok"],
    ]
    assert rows[3] == [
        "",
        "",
        "stopped",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        ("stopped after 2 rows: the server failed; the rows after them were not geocoded"),
    ]
    assert len(rows) == 4


def test_the_time_budget_ends_the_stream_with_a_stopped_row(plates, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,地址\n1,光復路二段1號\n2,光復路二段5號\n3,光復路二段1號\n", encoding="utf-8")
    pieces = geocode_csv_stream(
        source=source, address_column=None, encoding="utf-8", chunk_rows=2, seconds=0, budget_hint="send it as a job"
    )
    rows = list(csv.reader(io.StringIO("".join(pieces))))
    assert [r[0] for r in rows] == ["id", "1", "2", ""]
    assert rows[3][2:] == [
        "stopped",
        *[""] * 9,
        ("stopped before line 4: the time budget of 0 s was used up after 2 rows; send it as a job"),
    ]
