"""The public change feed: order, cursors, bad cursors, snapshots equal to the recorded state, retention."""

from __future__ import annotations

import datetime as dt
import json
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from geo_portal.addresses.plates import Components, plate_create, plate_move, plate_retire, plate_set_condition
from geo_portal.changes.selectors import channel_state, snapshot
from geo_portal.changes.services import prune_events
from tests.conftest import X0, Y0

pytestmark = pytest.mark.django_db(transaction=True)


def at(dx: float) -> Point:
    return Point(X0 + dx, Y0 + 500, srid=3826)


def make(committed, number: int, dx: float):
    components = Components(number=number, road=committed["road"])
    return plate_create(district=committed["district"], components=components, point=at(dx), actor="c").plate


def public_plates() -> dict[int, tuple[dict, dict]]:
    """The current public state straight from the owning app's view (the truth a mirror must equal)."""
    with connection.cursor() as cur:
        cur.execute("SELECT id, data::text, ST_AsGeoJSON(ST_Transform(geom, 4326), 6) FROM addresses_plate_public_v")
        return {i: (json.loads(d), json.loads(g)) for i, d, g in cur.fetchall()}


def snapshot_plates(txid: int) -> dict[int, tuple[dict, dict]]:
    return {i: (json.loads(d), json.loads(g)) for i, d, g in snapshot(entity="plate", txid=txid)}


def test_snapshot_at_each_txid_equals_the_state_recorded_then(committed):
    recorded = {channel_state().txid: public_plates()}
    a = plate_create(district=committed["district"], components=Components(number=1, road=committed["road"]),
                     point=at(100), actor="c").plate  # fmt: skip
    recorded[channel_state().txid] = public_plates()
    b = plate_create(district=committed["district"], components=Components(number=3, road=committed["road"]),
                     point=at(150), actor="c").plate  # fmt: skip
    recorded[channel_state().txid] = public_plates()
    plate_move(plate_id=a.pk, version=1, point=at(120), reason="fix", actor="c")
    recorded[channel_state().txid] = public_plates()
    plate_retire(plate_id=a.pk, version=2, retired_on=dt.date(2026, 1, 1), reason="gone", successor_ids=[b.pk], actor="c")
    recorded[channel_state().txid] = public_plates()
    assert len(recorded) == 5
    for txid, state in recorded.items():
        assert snapshot_plates(txid) == state, txid
    assert snapshot_plates(channel_state().txid)[a.pk][0]["successors"] == [b.pk]


def test_feed_pages_in_order_and_snapshot_plus_events_equals_now(client, committed):
    plates = [make(committed, n, 100 + n) for n in (1, 3, 5)]
    middle = channel_state().txid
    base = snapshot_plates(middle)
    plate_set_condition(plate_id=plates[0].pk, version=1, condition="missing", checked_on=dt.date(2026, 2, 1), actor="s")
    plate_move(plate_id=plates[1].pk, version=1, point=at(300), reason="GPS", actor="s")
    latest = client.get("/api/v1/changes/latest").json()
    assert (latest["txid"], latest["horizon_txid"]) == (middle + 2, 0)
    page1 = client.get(f"/api/v1/changes?after={middle}&limit=1").json()
    assert [(e["txid"], e["entity"], e["id"], e["operation"]) for e in page1["events"]] == [
        (middle + 1, "plate", plates[0].pk, "update")
    ]
    assert page1["caught_up"] is False
    assert page1["events"][0]["data"]["condition"] == "missing" and "actor" not in page1["events"][0]
    page2 = client.get(page1["next_url"]).json()
    assert [(e["txid"], e["seq"]) for e in page2["events"]] == [(middle + 2, page1["events"][0]["seq"] + 1)]
    assert page2["caught_up"] is True
    assert page2["events"][0]["geometry"]["type"] == "Point"
    mirror = dict(base)
    for event in page1["events"] + page2["events"]:
        mirror[event["id"]] = (event["data"], event["geometry"])
    assert mirror == public_plates()
    empty = client.get(page2["next_url"]).json()
    assert (empty["events"], empty["caught_up"], empty["next"]) == ([], True, page2["next"])


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("", {"after": ["give exactly one of after (a txid) or after_seq (a seq)"]}),
        ("after=abc", {"after": ["A valid integer is required."]}),
        ("after=-1", {"after": ["Ensure this value is greater than or equal to 0."]}),
        ("after=1&after_seq=1", {"after": ["give exactly one of after (a txid) or after_seq (a seq)"]}),
        ("after=0&limit=0", {"limit": ["Ensure this value is greater than or equal to 1."]}),
        ("after=0&limit=10001", {"limit": ["Ensure this value is less than or equal to 10000."]}),
        ("after=999999", {"after": ["txid 999999 is in the future: the latest txid is 0"]}),
        ("after_seq=999999", {"after_seq": ["is beyond the latest seq 0"]}),
        ("after=1e9", {"after": ["A valid integer is required."]}),
    ],
)
def test_malformed_cursors_are_400_with_the_field(client, query, fields):
    response = client.get(f"/api/v1/changes?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid request", "fields": fields}


def test_snapshot_endpoint_and_its_errors(client, committed):
    plate = plate_create(district=committed["district"], components=Components(number=7, road=committed["road"]),
                         point=at(100), actor="c").plate  # fmt: skip
    txid = channel_state().txid
    body = json.loads(b"".join(client.get(f"/api/v1/changes/snapshot/plate.geojson?txid={txid}").streaming_content))
    assert (body["type"], body["txid"], body["entity"]) == ("FeatureCollection", txid, "plate")
    [feature] = body["features"]
    assert (feature["id"], feature["properties"]["address"], feature["geometry"]["type"]) == (
        plate.pk,
        "新竹市東區光復路二段7號",
        "Point",
    )
    villages = json.loads(b"".join(client.get("/api/v1/changes/snapshot/village.geojson").streaming_content))
    assert sorted(f["properties"]["code"] for f in villages["features"]) == ["10018010001", "10018010002"]
    assert client.get("/api/v1/changes/snapshot/person.geojson").json() == {
        "error": "invalid request",
        "fields": {"entity": ["must be one of plate, building, village, district, road"]},
    }
    assert client.get("/api/v1/changes/snapshot/plate.geojson?txid=x").status_code == 400


def test_retention_compacts_and_old_positions_get_410(client, committed):
    plate = plate_create(district=committed["district"], components=Components(number=9, road=committed["road"]),
                         point=at(100), actor="c").plate  # fmt: skip
    for version, condition in ((1, "ok"), (2, "missing")):
        plate_set_condition(plate_id=plate.pk, version=version, condition=condition, checked_on=dt.date(2026, 1, 1),
                            actor="c")  # fmt: skip
    horizon = channel_state().txid
    before = snapshot_plates(horizon)
    with connection.cursor() as cur:  # everything so far is two years old
        cur.execute("UPDATE changes_transaction SET committed_at = now() - interval '2 years'")
    result = prune_events(retention=timedelta(days=365))
    # Superseded: the plate's first two events and the district's insert (the fixture then set its boundary).
    assert result["horizon_txid"] == horizon and result["events_deleted"] == 3
    assert snapshot_plates(horizon) == before == public_plates()
    plate_move(plate_id=plate.pk, version=3, point=at(200), reason="fix", actor="c")
    response = client.get(f"/api/v1/changes?after={horizon - 1}")
    assert response.status_code == 410
    assert response.json()["error"] == (
        f"txid {horizon - 1} is older than the change log keeps (it starts after txid {horizon}); "
        "load a snapshot (which gives its txid) and follow the changes from there"
    )
    assert client.get(f"/api/v1/changes/snapshot/plate.geojson?txid={horizon - 1}").status_code == 410
    ok = client.get(f"/api/v1/changes?after={horizon}").json()
    assert [e["operation"] for e in ok["events"]] == ["update"]


def test_the_nightly_job_and_the_command_prune(committed, capsys):
    from django.core.management import call_command

    from geo_portal.changes.tasks import prune_changes

    make(committed, 11, 100)
    assert prune_changes(timestamp=0) == {"horizon_txid": 0, "events_deleted": 0}  # nothing older than a year
    with connection.cursor() as cur:
        cur.execute("UPDATE changes_transaction SET committed_at = now() - interval '3 days'")
    call_command("prune_changes", "--days", "2")
    horizon = channel_state().txid
    assert capsys.readouterr().out == f"horizon txid {horizon}, 1 events compacted\n"  # the district's first event
