"""Issue 16 §1: cells that start like a formula come back from a CSV export as text, and recoverable."""

from __future__ import annotations

import csv
import io

import pytest

from geo_portal.core.csvsafe import neutralise, recover
from geo_portal.exports.writers import stream
from geo_portal.ingest.errors import Finding
from geo_portal.ingest.services import write_findings

HOSTILE = ['=HYPERLINK("http://x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "'quoted"]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_starts_get_a_quote_and_recover_exactly(value):
    assert neutralise(value) == "'" + value
    assert recover(neutralise(value)) == value


@pytest.mark.parametrize("value", ["光復大樓", "-12.5", "+3", "1e-3", "120.99", "", "a=b", "RC"])
def test_plain_text_and_numbers_are_left_alone(value):
    assert neutralise(value) == value
    assert recover(neutralise(value)) == value


def test_non_text_values_are_left_alone():
    assert [neutralise(v) for v in (-1, 2.5, None)] == [-1, 2.5, None]


def test_building_export_neutralises_hostile_text(exportable):
    building = exportable["building"]
    building.structure = "=cmd|' /C calc'!A0"
    building.source_id = "@SUM(1+1)"
    building.save()
    text = b"".join(stream("buildings", "csv", srid=3826)).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text)))
    values = dict(zip(header, row, strict=True))
    assert (values["structure"], values["source_id"], values["name"]) == (
        "'=cmd|' /C calc'!A0",
        "'@SUM(1+1)",
        "光復大樓",
    )
    assert (recover(values["structure"]), recover(values["source_id"])) == ("=cmd|' /C calc'!A0", "@SUM(1+1)")


def test_import_rejection_reports_neutralise_values_from_the_file(tmp_path):
    """The rejection report repeats values of the imported file: a staff member opens it in a spreadsheet."""
    findings = [Finding(row=2, field="address", value='=HYPERLINK("http://x")', reason="unreadable")]
    path = write_findings(kind="doorplates", stamp="t", findings=findings, directory=tmp_path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows == [
        ["row", "level", "field", "value", "reason"],
        ["2", "rejected", "address", '\'=HYPERLINK("http://x")', "unreadable"],
    ]
