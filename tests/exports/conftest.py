"""A small exportable data set: three active plates and a retired one, a building, two villages with boundaries
(one with fewer than 3 households) and one without, population for two months."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo_portal.addresses.imports import import_doorplates
from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import Village, VillagePopulation
from geo_portal.buildings.models import Building
from geo_portal.core.geo import STORAGE_SRID, transformer
from geo_portal.exports.layers import PLATES
from tests.conftest import X0, Y0, square, write_csv

JUNE = dt.date(2026, 6, 1)


def population(village: Village, month: dt.date, households: int, male: int, female: int) -> VillagePopulation:
    return VillagePopulation.objects.create(
        village=village,
        month=month,
        neighborhoods=3,
        neighborhoods_with_plates=3,
        households=households,
        population=male + female,
        male=male,
        female=female,
        source="test",
    )


@pytest.fixture
def exportable(areas, tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["address", "x", "y", "neighborhood"],
        [
            ["新竹市東區光復路二段101之1號", X0 + 50, Y0 + 50, "3"],
            ["新竹市東區光復路二段101之1號5樓", X0 + 50, Y0 + 50, "3"],
            ["新竹市東區光復路二段8巷3弄2號", X0 + 1056.25, Y0 + 50.5, "7"],
            ["新竹市東區光復路二段105號", X0 + 60, Y0 + 50, "3"],
        ],
    )
    columns = {"address": "address", "x": "x", "y": "y", "neighborhood": "neighborhood"}
    import_doorplates(path=path, columns=columns, srid=3826, report_dir=tmp_path)
    DoorPlate.objects.update(zip_code="300044")
    DoorPlate.objects.filter(address="新竹市東區光復路二段105號").update(status="retired", retired_on=JUNE)
    DoorPlate.objects.filter(address="新竹市東區光復路二段101之1號").update(
        condition="damaged", last_checked_on=dt.date(2026, 5, 20)
    )
    Village.objects.create(code="10018010003", district=areas["district"], name="丙里", name_en="Bing Vil.")
    population(areas["a"], dt.date(2026, 5, 1), 118, 139, 158)
    population(areas["a"], JUNE, 120, 140, 160)
    population(areas["b"], JUNE, 2, 1, 2)
    building = Building.objects.create(
        geom=square(X0 + 40, Y0 + 40, 20),
        name="光復大樓",
        floors=5,
        height_m=15.5,
        structure="RC",
        source="test",
        source_id="b1",
    )
    plates = {p.address: p for p in DoorPlate.objects.all()}
    return {**areas, "building": building, "plates": plates}


# --- Expected rows and reading exports back -------------------------------------------------------------------

A1, A1_5F, B2 = "新竹市東區光復路二段101之1號", "新竹市東區光復路二段101之1號5樓", "新竹市東區光復路二段8巷3弄2號"
PLATE_POINTS = [(X0 + 50, Y0 + 50), (X0 + 50, Y0 + 50), (X0 + 1056.25, Y0 + 50.5)]
PLATE_COMMON = {
    "district_code": "10018010",
    "road": "光復路二段",
    "area": "",
    "number_prefix": "",
    "number_suffix": None,
    "floor_unit": "",
    "floor_sub": None,
    "zip_code": "300044",
    "status": "active",
}


def expected_plates(data: dict) -> list[dict]:
    """The three active plates in id order (the retired 105號 is not exported), columns in export order."""
    ids = {address: plate.pk for address, plate in data["plates"].items()}
    rows = [
        {"address": A1, "lane": "", "alley": "", "number": 101, "sub_number": 1, "floor": None,
         "village_code": "10018010001", "village": "甲里", "neighborhood": 3, "condition": "damaged",
         "last_checked_on": dt.date(2026, 5, 20)},
        {"address": A1_5F, "lane": "", "alley": "", "number": 101, "sub_number": 1, "floor": 5,
         "village_code": "10018010001", "village": "甲里", "neighborhood": 3, "condition": "unknown",
         "last_checked_on": None},
        {"address": B2, "lane": "8", "alley": "3", "number": 2, "sub_number": None, "floor": None,
         "village_code": "10018010002", "village": "乙里", "neighborhood": 7, "condition": "unknown",
         "last_checked_on": None},
    ]  # fmt: skip
    names = [c.name for c in PLATES.columns]
    return [{name: {**PLATE_COMMON, **row, "id": ids[row["address"]]}[name] for name in names} for row in rows]


def expected_buildings(data: dict) -> list[dict]:
    return [
        {"id": data["building"].pk, "name": "光復大樓", "floors": 5, "height_m": 15.5, "structure": "RC",
         "source": "test", "source_id": "b1"}
    ]  # fmt: skip


# 甲里 has 120 households in June (May's figures are older); 乙里's 2 households are withheld; 丙里 has no boundary.
EXPECTED_VILLAGES = [
    {"code": "10018010001", "name": "甲里", "name_en": "Jia Vil.", "district_code": "10018010", "area_km2": 1.0,
     "plates": 2, "month": JUNE, "households": 120, "population": 300, "male": 140, "female": 160,
     "suppressed": False},
    {"code": "10018010002", "name": "乙里", "name_en": "Yi Vil.", "district_code": "10018010", "area_km2": 1.0,
     "plates": 1, "month": JUNE, "households": None, "population": None, "male": None, "female": None,
     "suppressed": True},
]  # fmt: skip
BUILDING_CORNERS = [[(X0 + 40, Y0 + 40), (X0 + 60, Y0 + 40), (X0 + 60, Y0 + 60), (X0 + 40, Y0 + 60), (X0 + 40, Y0 + 40)]]
VILLAGE_CORNERS = [[(x, Y0), (x + 1000, Y0), (x + 1000, Y0 + 1000), (x, Y0 + 1000), (x, Y0)] for x in (X0, X0 + 1000)]


def in_srid(points: list[tuple[float, float]], srid: int) -> list[tuple[float, float]]:
    return [p if srid == STORAGE_SRID else transformer(STORAGE_SRID, srid).transform(*p) for p in points]


def flat(points: list[tuple[float, float]]) -> list[float]:
    return [c for point in points for c in point]


def tolerance(srid: int) -> float:
    """1 mm in metres or ~1 cm in degrees (text formats round to 3 and 8 decimals)."""
    return 1e-3 if srid == STORAGE_SRID else 1e-7


def plain(value: object) -> object:
    """A value read back by pandas as plain Python: NaN/NA/NaT → None, Timestamp → date, numpy → Python."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    return value


def as_csv_text(value: object) -> str:
    """How a value is written in the CSV export."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


@dataclass
class ReadBack:
    columns: list[str]
    rows: list[dict]
    geometries: list
    epsg: int | None


def read_back(path: Path, fmt: str) -> ReadBack:
    """An export read with GeoPandas (GeoPackage, GeoJSON, GeoParquet) or pandas (CSV, every value as text)."""
    if fmt == "csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        columns = list(frame.columns)
        geometries = list(shapely.from_wkt(frame.pop("wkt")))
        return ReadBack(columns, frame.to_dict("records"), geometries, None)
    frame = gpd.read_parquet(path) if fmt == "parquet" else gpd.read_file(path)
    columns = list(frame.columns)
    rows = [{k: plain(v) for k, v in row.items()} for row in frame.drop(columns="geometry").to_dict("records")]
    return ReadBack(columns, rows, list(frame.geometry), frame.crs.to_epsg())


def exterior(geometry) -> list[float]:
    """The first polygon's outer ring of a MultiPolygon, as x1, y1, x2, y2, …"""
    return [c for point in geometry.geoms[0].exterior.coords for c in point]
