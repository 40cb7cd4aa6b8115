"""Type-ahead: roads from any prefix (Chinese 1–2 characters, English), then numbers, then units."""

from __future__ import annotations

import pytest

from geo_portal.addresses.imports import import_doorplates
from geo_portal.addresses.search import autocomplete
from geo_portal.areas.models import Road
from tests.conftest import X0, Y0, write_csv

STREETS = [
    "光復路二段10號",
    "光復路二段100號",
    "光復路二段101號",
    "光復路二段101號2樓",
    "光復路二段101號10樓",
    "光復路二段101之1號",
    "光復路二段12巷3號",
    "光復路一段5號",
    "光華街7號",
    "新光路9號",
    "竹村七路6號5樓",
]


@pytest.fixture
def plates(areas, tmp_path):
    rows = [[f"新竹市東區{s}", X0 + 10 * i, Y0 + 10] for i, s in enumerate(STREETS)]
    rows.append(["新竹市東區光復里2鄰光復路二段10號", X0, Y0])  # the same street address in another 鄰
    path = write_csv(tmp_path / "p.csv", ["address", "x", "y"], rows)
    import_doorplates(path=path, columns={"address": "address", "x": "x", "y": "y"}, srid=3826, report_dir=tmp_path)
    Road.objects.filter(name="光復路二段").update(name_en="Sec. 2, Guangfu Rd.")
    Road.objects.filter(name="光復路一段").update(name_en="Sec. 1, Guangfu Rd.")


def texts(query, **kw):
    return [s.text for s in autocomplete(query, **kw)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("光", ["光華街", "光復路一段", "光復路二段", "新光路"]),
        ("光復", ["光復路一段", "光復路二段"]),
        ("光復路二", ["光復路二段"]),
        ("guangfu", ["光復路一段", "光復路二段"]),
        ("新竹市東區光", ["光華街", "光復路一段", "光復路二段", "新光路"]),
    ],
)
def test_roads_first(plates, query, expected):
    assert texts(query) == expected
    assert {s.kind for s in autocomplete(query)} == {"road"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "光復路2段10",
            [
                "光復路二段10號",
                "光復路二段100號",
                "光復路二段101號",
                "光復路二段101之1號",
                "光復路二段101號2樓",
                "光復路二段101號10樓",
            ],
        ),
        ("光復路二段101號", ["光復路二段101號", "光復路二段101號2樓", "光復路二段101號10樓"]),
        ("光復路二段101號1", ["光復路二段101號10樓"]),
        ("光復路二段101之", ["光復路二段101之1號"]),
        ("光復路二段12巷", ["光復路二段12巷3號"]),
        ("竹村七路6號5", ["竹村七路6號5樓"]),
        ("中山路1", []),
    ],
)
def test_then_numbers_and_units(plates, query, expected):
    assert texts(query) == expected


def test_limit_and_labels(plates):
    assert len(texts("光復路2段10", limit=2)) == 2
    first = autocomplete("光復路2段10號")[0]
    assert (first.text, first.kind, first.label) == ("光復路二段10號", "address", "新竹市東區光復路二段10號")
    assert autocomplete("光復路二")[0].label == "光復路二段 Sec. 2, Guangfu Rd."


@pytest.mark.parametrize("query", ["", "   ", "x" * 101, "%", "_", "'; --"])
def test_nothing_for_empty_long_or_wildcards(plates, query):
    assert texts(query) == []


def test_autocomplete_api(client, plates):
    body = client.get("/api/v1/autocomplete", {"q": "光復"}).json()
    assert body == {
        "suggestions": [
            {"text": "光復路一段", "kind": "road", "label": "光復路一段 Sec. 1, Guangfu Rd.", "plate_id": None},
            {"text": "光復路二段", "kind": "road", "label": "光復路二段 Sec. 2, Guangfu Rd.", "plate_id": None},
        ]
    }
    bad = client.get("/api/v1/autocomplete", {"q": "光", "limit": "11"}, HTTP_ACCEPT_LANGUAGE="en")
    assert (bad.status_code, bad.json()["fields"]) == (400, {"limit": ["Ensure this value is less than or equal to 10."]})
