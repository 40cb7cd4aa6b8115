"""Findings exports: CSV (UTF-8 with BOM, formula-injection safe, exact rows) and GeoPackage (read back with
pyogrio: layer, CRS, points, attributes); supervisors only."""

from __future__ import annotations

import csv
import io

import pyogrio
import pytest

from geo_portal.census.office.exports import safe_cell
from geo_portal.census.office.selectors import EXPORT_COLUMNS
from geo_portal.census.review import finding_accept, finding_reject

pytestmark = pytest.mark.django_db


def test_safe_cell_neutralises_formulas():
    assert [safe_cell(v) for v in ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx", "光復路", "", 5, -5, 1.5, None]] == [
        "'=1+1", "'+SUM(A1)", "'-2", "'@cmd", "'\tx", "'\rx", "光復路", "", 5, -5, 1.5, None,
    ]  # fmt: skip
    assert (safe_cell(True), safe_cell(False)) == ("true", "false")


def test_csv_export(submitted, staff, as_user):
    finding_accept(finding_id=submitted["f3"].pk, user=staff["supervisor"])
    finding_reject(finding_id=submitted["f2"].pk, user=staff["supervisor"], note="@請重拍")
    campaign = submitted["task"].campaign
    response = as_user("supervisor2").get(f"/census/campaigns/{campaign.pk}/findings.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="census-{campaign.pk}-findings.csv"'
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbffinding_uuid,task_number,")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [name for name, _kind in EXPORT_COLUMNS]
    got = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    pick = ["task_number", "stop_seq", "plate_address", "kind", "review", "conflict", "surveyor", "note", "reviewed_by",
            "review_note", "outcome", "point_from", "source"]  # fmt: skip
    assert [[r[k] for k in pick] for r in got] == [
        ["1", "1", "新竹市東區光復路二段1號", "missing", "pending", "true", "sur1", "'=HYPERLINK(1)", "", "", "",
         "stop", "device"],
        ["1", "2", "新竹市東區光復路二段3號", "wrong_position", "rejected", "false", "sur1", "門牌在側門", "sup1",
         "'@請重拍", "rejected", "finding", "device"],
        ["1", "3", "新竹市東區光復路二段5號", "ok", "accepted", "false", "sur1", "", "sup1", "",
         "condition set to ok (version 2)", "stop", "device"],
        ["1", "3", "新竹市東區光復路二段5號2樓", "number_differs", "pending", "false", "sur1", "", "", "", "",
         "stop", "device"],
        ["1", "", "", "unregistered", "pending", "false", "sur1", "", "", "", "", "finding", "device"],
    ]  # fmt: skip
    assert got[0]["observed_at"] == "2026-11-10T09:00:00+08:00"
    assert (got[0]["lon"], got[0]["lat"]) == ("121.001088", "24.771962")
    assert all(len(r["lon"].split(".")[1]) <= 6 for r in got)
    assert "password" not in body.decode("utf-8-sig").lower()
    assert as_user("clerk").get(f"/census/campaigns/{campaign.pk}/findings.csv").status_code == 403


def test_geopackage_export_reads_back_with_pyogrio(submitted, as_user, tmp_path):
    campaign = submitted["task"].campaign
    response = as_user("supervisor2").get(f"/census/campaigns/{campaign.pk}/findings.gpkg")
    assert response["Content-Type"] == "application/geopackage+sqlite3"
    path = tmp_path / "findings.gpkg"
    path.write_bytes(b"".join(response.streaming_content))
    assert pyogrio.list_layers(path).tolist() == [["census_findings", "Point"]]
    info = pyogrio.read_info(path, layer="census_findings")
    assert (info["crs"], info["features"]) == ("EPSG:3826", 5)
    frame = pyogrio.read_dataframe(path, layer="census_findings")
    assert frame["kind"].tolist() == ["missing", "wrong_position", "ok", "number_differs", "unregistered"]
    assert frame["conflict"].tolist() == [True, False, False, False, False]
    assert frame["note"].tolist()[:2] == ["=HYPERLINK(1)", "門牌在側門"]  # no spreadsheet formulas in a GeoPackage
    first = frame.geometry.iloc[0]
    assert (round(first.x, 2), round(first.y, 2)) == (250110.0, 2740520.0)  # 1號, odd side, as stored
    moved = frame.geometry.iloc[1]
    assert (round(moved.x, 2), round(moved.y, 2)) == (250136.0, 2740528.0)  # the surveyor's point for 3號
    assert as_user("surveyor").get(f"/census/campaigns/{campaign.pk}/findings.gpkg").status_code == 403
