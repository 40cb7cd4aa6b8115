"""Issue 16 §1: input that broke the public entry points, each with its own status and a message naming the field.

None of these is caught by a handler that turns exceptions into 400s: each is refused where it is read (the parser's
ranges, strict decimal fields, the report form's text check).
"""

from __future__ import annotations

import pytest
from django.test import Client

from geo_portal.addresses.imports import import_doorplates
from geo_portal.addresses.parsing import parse
from geo_portal.reports.models import CitizenReport
from tests.conftest import X0, Y0, write_csv


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def plates(areas, tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["address", "x", "y"],
        [["新竹市東區光復路二段1號", X0 + 10, Y0 + 10], ["新竹市東區光復路二段3號", X0 + 20, Y0 + 10]],
    )
    import_doorplates(path=path, columns={"address": "address", "x": "x", "y": "y"}, srid=3826, report_dir=tmp_path)


OUT_OF_RANGE = [
    ("光復路10000段1號", "section: 10000 is out of range (1–99)"),
    ("光復路二段1號99999999999鄰", "neighborhood: 99999999999 is out of range (1–999)"),
    ("甲里99999999999鄰光復路二段1號", "neighborhood: 99999999999 is out of range (1–999)"),
    ("光復路二段99999999999號", "number: 99999999999 is out of range (1–99999)"),
    ("光復路二段1號99999999999樓", "floor: 99999999999 is out of range (-99–999)"),
    ("光復路二段1巷99999999999999999999弄1號", "alley: 99999999999999999999 is out of range (1–99999)"),
]


@pytest.mark.parametrize(("text", "problem"), OUT_OF_RANGE)
def test_parser_refuses_numbers_past_their_range_naming_the_component(text, problem):
    result = parse(text)
    assert (result.address, [str(p) for p in result.problems]) == (None, [problem])


@pytest.mark.parametrize(("text", "problem"), OUT_OF_RANGE)
def test_geocode_of_an_out_of_range_number_is_no_match_with_the_problem(client, plates, text, problem):
    """Issue 16: GET /api/v1/geocode?q=光復路10000段1號 was a 500 (ValueError from int_to_cn via road_section)."""
    response = client.get("/api/v1/geocode", {"q": text})
    assert response.status_code == 200
    body = response.json()
    assert (body["grade"], body["hits"], body["problems"]) == ("none", [], [problem])


def test_autocomplete_and_the_home_page_with_section_10000(client, plates):
    response = client.get("/api/v1/autocomplete", {"q": "光復路10000段1號"})
    assert (response.status_code, response.json()) == (200, {"suggestions": []})
    page = client.get("/", {"q": "光復路10000段1號"})
    assert page.status_code == 200


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"lon": "1_20.99", "lat": "24.79"}, {"lon": ["A valid number is required."]}),
        ({"lon": "120.99", "lat": "2_4.79"}, {"lat": ["A valid number is required."]}),
        ({"x": "nan", "y": "2740000"}, {"x": ["A valid number is required."]}),
        ({"x": "250000", "y": "inf"}, {"y": ["A valid number is required."]}),
        ({"x": "250000", "y": "2740000", "radius": "1_0"}, {"radius": ["A valid number is required."]}),
        ({"x": "250000", "y": "2740000", "limit": "1_0"}, {"limit": ["A valid integer is required."]}),
        ({"x": "２５００００", "y": "2740000"}, {"x": ["A valid number is required."]}),
    ],
)
def test_reverse_refuses_numbers_python_alone_would_read(client, db, params, fields):
    """Issue 16: lon=1_20.99 was read as 120.99 (float() accepts digit separators)."""
    response = client.get("/api/v1/reverse", params)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid request", "fields": fields}


def test_geocode_limit_with_a_digit_separator_is_refused(client, db):
    response = client.get("/api/v1/geocode", {"q": "光復路二段1號", "limit": "1_0"})
    assert (response.status_code, response.json()) == (
        400,
        {"error": "invalid request", "fields": {"limit": ["A valid integer is required."]}},
    )


def test_reverse_still_reads_plain_decimals(client, plates):
    response = client.get("/api/v1/reverse", {"x": f" {X0 + 12} ", "y": f"{Y0 + 10:.1f}", "radius": "5e1"})
    assert response.status_code == 200
    assert [h["address"] for h in response.json()["hits"]] == ["新竹市東區光復路二段1號", "新竹市東區光復路二段3號"]


REFUSED = "The report was not accepted; please check the fields marked."


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            "kind=damaged&description=%FF%FE%E5%AD%97&lon=120.99&lat=24.79",
            {"description": ["The description is not valid UTF-8 text; type it again in the form."]},
        ),
        (
            "kind=damaged&description=ok&contact=%C3%28&lon=120.99&lat=24.79",
            {"contact": ["The contact is not valid UTF-8 text; type it again in the form."]},
        ),
        ("kind=damaged&description=ok&lon=1_20.99&lat=24.79", {"lon": ["The longitude must be a number."]}),
        ("kind=damaged&description=ok&lon=120.99&lat=nan", {"lat": ["The latitude must be a number."]}),
    ],
)
def test_report_form_refuses_undecodable_text_and_loose_numbers(client, db, body, fields):
    """Issue 16: invalid UTF-8 in a report was stored as replacement characters; 1_20.99 read as 120.99."""
    response = client.post("/reports/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json() == {"error": REFUSED, "fields": fields}
    assert CitizenReport.objects.count() == 0


def test_report_multipart_with_invalid_utf8_is_refused(client, db):
    boundary = "BOUNDARY"
    parts = [(b"kind", b"damaged"), (b"description", b"\xe5\xad\x97\xff"), (b"lon", b"120.99"), (b"lat", b"24.79")]
    body = b"".join(
        b'--BOUNDARY\r\nContent-Disposition: form-data; name="' + name + b'"\r\n\r\n' + value + b"\r\n"
        for name, value in parts
    )
    body += b"--BOUNDARY--\r\n"
    response = client.post("/reports/", body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "description": ["The description is not valid UTF-8 text; type it again in the form."]
    }
    assert CitizenReport.objects.count() == 0
