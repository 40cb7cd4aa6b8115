"""Service points: located by the geocoder, loaded all-or-nothing, edited in the admin; distances to them."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.core.management import CommandError, call_command

from geo_portal import analytics
from geo_portal.addresses.imports import import_doorplates
from geo_portal.areas.models import VillagePopulation
from geo_portal.ingest.errors import ImportRefused
from geo_portal.offices.models import ServicePoint
from geo_portal.offices.services import load_service_points, locate
from tests.conftest import X0, Y0, write_csv

SUGGESTED = "新竹市東區光復路二段203號"  # the nearest existing number on the same side
PLATES = [
    ["新竹市東區光復路二段101號", X0 + 100, Y0 + 100],
    ["新竹市東區光復路二段103號", X0 + 100, Y0 + 600],
    ["新竹市東區光復路二段201號", X0 + 1100, Y0 + 100],
    ["新竹市東區光復路二段203號", X0 + 1100, Y0 + 900],
]


@pytest.fixture
def plates(areas, tmp_path):
    path = write_csv(tmp_path / "p.csv", ["address", "x", "y"], PLATES)
    import_doorplates(path=path, columns={"address": "address", "x": "x", "y": "y"}, srid=3826, report_dir=tmp_path)
    return areas


def test_locate_places_a_point_on_its_plate(plates):
    point = ServicePoint(name="東區戶政事務所", kind="office", address="光復路2段101號")
    located = locate(point)
    assert located.grade == "normalised" and (point.location.x, point.location.y) == (X0 + 100, Y0 + 100)
    assert point.plate.address == "新竹市東區光復路二段101號"
    missing = ServicePoint(name="x", kind="workstation", address="光復路二段999號")
    located = locate(missing)
    assert (located.grade, missing.location, missing.plate_id) == ("none", None, None)
    assert located.note == missing.geocode_note == f"address not found (did you mean {SUGGESTED}?)"


def test_load_is_all_or_nothing_with_line_field_and_reason(plates, tmp_path):
    bad = write_csv(
        tmp_path / "sp.csv",
        ["name", "name_en", "kind", "address"],
        [
            ["東區戶政事務所", "East District Office", "office", "光復路二段101號"],
            ["工作站", "", "kiosk", "光復路二段103號"],
            ["另一站", "", "workstation", "中山路1號"],
        ],
    )
    with pytest.raises(ImportRefused) as exc:
        load_service_points(bad)
    message = str(exc.value)
    assert message.startswith("sp.csv: nothing stored; line 3: kind: 'kiosk' is not one of mobile, office, workstation; ")
    assert "line 4: address: '中山路1號': address not found" in message
    assert ServicePoint.objects.count() == 0
    good = write_csv(
        tmp_path / "ok.csv",
        ["name", "name_en", "kind", "address"],
        [
            ["東區戶政事務所", "East District Office", "office", "光復路二段101號"],
            ["工作站", "Workstation", "workstation", "光復路二段201號"],
        ],
    )
    assert load_service_points(good) == {"created": 2, "updated": 0}
    assert load_service_points(good) == {"created": 0, "updated": 2}  # re-runnable
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_service_points", str(tmp_path / "none.csv"))


def test_admin_geocodes_on_save(admin_client, plates):
    response = admin_client.post(
        "/admin/offices/servicepoint/add/",
        {"name": "工作站", "name_en": "", "kind": "workstation", "address": "光復路二段203號", "active": "on"},
    )
    assert response.status_code == 302
    point = ServicePoint.objects.get()
    assert (point.location.x, point.location.y, point.geocode_grade) == (X0 + 1100, Y0 + 900, "exact")


@pytest.mark.django_db(transaction=True)
def test_distances_and_village_access(plates, tmp_path):
    analytics.engine.cache_clear()
    try:
        for village, population in ((plates["a"], 100), (plates["b"], 50)):
            VillagePopulation.objects.create(
                village=village,
                month=dt.date(2026, 6, 1),
                neighborhoods=1,
                neighborhoods_with_plates=1,
                households=10,
                population=population,
                male=population,
                female=0,
                source="t",
            )
        path = write_csv(
            tmp_path / "sp.csv",
            ["name", "name_en", "kind", "address"],
            [["東區戶政事務所", "", "office", "光復路二段101號"]],
        )
        load_service_points(path)
        distances = analytics.plate_distances()
        assert [round(d) for d in distances["distance_m"]] == [0, 500, 1000, round(math.hypot(1000, 800))]
        assert set(distances["service_point"]) == {"東區戶政事務所"}
        access = analytics.village_access((600, 1000))
        a, b = access.iloc[0], access.iloc[1]
        assert (a["name"], a.share_plates_within_600m, a.residents_within_600m) == ("甲里", 1.0, 100.0)
        assert (b["name"], b.share_plates_within_600m, b.share_plates_within_1000m) == ("乙里", 0.0, 0.5)
        assert b.residents_within_1000m == 25.0 and b.median_distance_m == pytest.approx((1000 + math.hypot(1000, 800)) / 2)
    finally:
        analytics.engine().dispose()
        analytics.engine.cache_clear()
