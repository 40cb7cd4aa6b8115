"""The reference client: a GeoPackage loaded from a snapshot and caught up from the feed equals the current state."""

from __future__ import annotations

import datetime as dt
import json

import pyogrio
import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.management import call_command
from django.db import connection

from geo_portal.addresses.plates import Components, plate_create, plate_move, plate_retire
from geo_portal.buildings.models import Building
from geo_portal.changes.client import FeedError, follow
from tests.conftest import X0, Y0

pytestmark = pytest.mark.django_db(transaction=True)


def current(view: str) -> dict[int, dict]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT id, data::text FROM {view}")
        return {i: json.loads(d) for i, d in cur.fetchall()}


def mirrored(path, layer: str) -> dict[int, dict]:
    frame = pyogrio.read_dataframe(path, layer=layer)
    return {int(row.entity_id): json.loads(row.data) for row in frame.itertuples()}


def test_snapshot_then_feed_equals_the_current_state_exactly(committed, live_server, tmp_path):
    d, road = committed["district"], committed["road"]

    def make(n: int, dx: float):
        return plate_create(district=d, components=Components(number=n, road=road),
                            point=Point(X0 + dx, Y0 + 500, srid=3826), actor="c").plate  # fmt: skip

    a, b = make(1, 100), make(3, 120)
    out = tmp_path / "mirror.gpkg"
    first = follow(live_server.url, out)
    assert (first.snapshot_loaded, first.events_applied) == (True, 0)
    # Changes after the snapshot: a move, a new plate, a retirement with successor, a building, a village rename.
    plate_move(plate_id=a.pk, version=1, point=Point(X0 + 140, Y0 + 510, srid=3826), reason="fix", actor="c")
    c = make(5, 160)
    plate_retire(plate_id=b.pk, version=1, retired_on=dt.date(2026, 6, 1), reason="merged", successor_ids=[c.pk], actor="c")
    Building.objects.create(
        geom=MultiPolygon(Polygon(((X0, Y0), (X0 + 10, Y0), (X0 + 10, Y0 + 10), (X0, Y0)), srid=3826)),
        source="osm", source_id="w1", name="A",
    )  # fmt: skip
    village = committed["a"]
    village.name_en = "Jia Village"
    village.save()
    second = follow(live_server.url, out, page=2)  # several pages
    assert (second.snapshot_loaded, second.events_applied) == (False, 6)
    assert mirrored(out, "plates") == current("addresses_plate_public_v")
    assert mirrored(out, "buildings") == current("buildings_building_public_v")
    assert mirrored(out, "villages") == current("areas_village_public_v")
    assert mirrored(out, "roads") == current("areas_road_public_v")
    frame = pyogrio.read_dataframe(out, layer="plates").set_index("entity_id")
    assert (frame.loc[b.pk].status, frame.loc[b.pk].successors) == ("retired", f"[{c.pk}]")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(geom, 4326) g FROM addresses_doorplate WHERE id = %s) t",
            [a.pk],
        )
        lon, lat = cur.fetchone()
    assert (round(frame.loc[a.pk].geometry.x, 6), round(frame.loc[a.pk].geometry.y, 6)) == (round(lon, 6), round(lat, 6))
    third = follow(live_server.url, out)
    assert third.events_applied == 0


def test_the_command_reports_and_refuses_a_bad_server(committed, live_server, tmp_path, capsys):
    call_command("follow_changes", live_server.url, str(tmp_path / "m.gpkg"))
    assert capsys.readouterr().out.endswith("(snapshot loaded), 0 events applied\n")
    with pytest.raises(FeedError, match="HTTP 404"):
        follow(live_server.url + "/nothing-here", tmp_path / "n.gpkg")
