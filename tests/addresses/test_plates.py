"""Door-plate write services: validation, versions, history, change events, two writers on one plate."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection, connections, transaction

from geo_portal.addresses.models import DoorPlate, PlateSuccessor
from geo_portal.addresses.plates import (
    Components,
    PlateRefused,
    StalePlate,
    plate_change_address,
    plate_create,
    plate_move,
    plate_restore,
    plate_retire,
    plate_set_condition,
)
from geo_portal.areas.models import County, District, Road
from tests.conftest import X0, Y0


def commit_point() -> None:
    """Fire the deferred numbering trigger inside the test's transaction (as a commit would)."""
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def district_with_boundary(areas):
    district = areas["district"]
    district.boundary = MultiPolygon(
        Polygon(((X0, Y0), (X0 + 2000, Y0), (X0 + 2000, Y0 + 1000), (X0, Y0 + 1000), (X0, Y0))), srid=3826
    )
    district.save()
    road = Road.objects.create(district=district, name="光復路二段", base_name="光復路", section=2)
    return {**areas, "road": road}


def at(dx: float, dy: float = 500) -> Point:
    return Point(X0 + dx, Y0 + dy, srid=3826)


def make(d, number: int = 101, **kw) -> DoorPlate:
    return plate_create(
        district=d["district"], components=Components(number=number, road=d["road"], **kw), point=at(100), actor="clerk1"
    ).plate


def events(entity_id: int) -> list[tuple[str, str, dict]]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT e.operation, e.cause, e.data::text FROM changes_event e "
            "WHERE e.entity = 'plate' AND e.entity_id = %s ORDER BY e.transaction_id, e.ordinal",
            [entity_id],
        )
        return [(op, cause, json.loads(data)) for op, cause, data in cur.fetchall()]


def test_create_computes_address_keys_village_and_records_insert(district_with_boundary):
    d = district_with_boundary
    plate = plate_create(
        district=d["district"],
        components=Components(number=101, road=d["road"], sub_number=1, floor=5),
        point=at(1500),
        neighborhood=12,
        actor="clerk1",
    ).plate
    assert (plate.address, plate.street_key, plate.address_key) == (
        "新竹市東區光復路二段101之1號5樓",
        "光復路二段101之1號5樓",
        "光復路二段101之1號5樓#12",
    )
    assert plate.village == d["b"] and plate.neighborhood.number == 12 and plate.neighborhood.village == d["b"]
    assert (plate.version, plate.updated_by) == (1, "clerk1")
    assert [label for (label,) in plate.events.values_list("pgh_label")] == ["plate.create"]
    [(operation, cause, data)] = events(plate.pk)
    assert (operation, cause, data["address"], data["neighborhood"], data["version"]) == (
        "insert",
        "staff",
        "新竹市東區光復路二段101之1號5樓",
        12,
        1,
    )


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"number": 0}, "number: must be a whole number of at least 1 (got 0)"),
        ({"number": 5, "floor": 0}, "floor: must be a floor between -20 and 200, not 0 (got 0)"),
        ({"number": 5, "lane": "12a"}, "lane: must be digits, optionally with 之 (got '12a')"),
        ({"number": 5, "number_prefix": "後"}, "number_prefix: must be empty, 附 or 臨"),
        ({"number": 5, "floor_sub": 2}, "floor: is required when a floor unit or floor sub-number is given"),
    ],
)
def test_create_refuses_invalid_components_and_writes_nothing(district_with_boundary, kw, message):
    d = district_with_boundary
    with pytest.raises(PlateRefused) as err:
        plate_create(district=d["district"], components=Components(road=d["road"], **kw), point=at(100), actor="clerk1")
    assert str(err.value) == message
    assert DoorPlate.objects.count() == 0


def test_create_refuses_points_outside_the_district_and_active_keys(district_with_boundary):
    d = district_with_boundary
    with pytest.raises(PlateRefused) as err:
        plate_create(district=d["district"], components=Components(number=1, road=d["road"]), point=at(2100), actor="c")
    assert str(err.value) == "point: lies 100 m outside 東區 (more than the 50 m tolerance)"
    with pytest.raises(PlateRefused) as err:
        plate_create(
            district=d["district"],
            components=Components(number=1, road=d["road"]),
            point=Point(121, 20, srid=4326),
            actor="c",
        )
    assert str(err.value) == "point: (121.000000, 20.000000) is outside Taiwan"
    with pytest.raises(PlateRefused) as err:
        plate_create(district=d["district"], components=Components(number=1, road=d["road"]), point=Point(1, 2), actor="c")
    assert str(err.value) == "point: has no SRID; refusing to guess its coordinate system"
    result = plate_create(district=d["district"], components=Components(number=1, road=d["road"]), point=at(2030), actor="c")
    assert result.warnings == ["point lies 30.0 m outside the 東區 boundary (within tolerance)"]
    with pytest.raises(PlateRefused) as err:
        plate_create(district=d["district"], components=Components(number=1, road=d["road"]), point=at(10), actor="c")
    assert str(err.value) == f"address: 新竹市東區光復路二段1號 already exists as active plate {result.plate.pk}"
    assert DoorPlate.objects.count() == 1


def test_road_of_another_district_is_refused(district_with_boundary):
    d = district_with_boundary
    other = District.objects.create(code="10018020", county=County.objects.get(), name="北區", name_en="North Dist.")
    road = Road.objects.create(district=other, name="中正路", base_name="中正路")
    with pytest.raises(PlateRefused) as err:
        plate_create(district=d["district"], components=Components(number=1, road=road), point=at(10), actor="c")
    assert str(err.value) == "road: 中正路 is a road of another district"


def test_change_address_recomputes_keys_and_refuses_taken_key_and_stale_version(district_with_boundary):
    d = district_with_boundary
    plate = make(d, 101)
    other = make(d, 103)
    changed = plate_change_address(
        plate_id=plate.pk, version=1, components=Components(number=105, road=d["road"], lane="12"), actor="clerk2"
    )
    assert (changed.address, changed.address_key, changed.version, changed.updated_by) == (
        "新竹市東區光復路二段12巷105號",
        "光復路二段12巷105號#",
        2,
        "clerk2",
    )
    with pytest.raises(PlateRefused) as err:
        plate_change_address(plate_id=plate.pk, version=2, components=Components(number=103, road=d["road"]), actor="c")
    assert str(err.value) == f"address: 新竹市東區光復路二段103號 already exists as active plate {other.pk}"
    with pytest.raises(StalePlate) as stale:
        plate_change_address(plate_id=plate.pk, version=1, components=Components(number=107, road=d["road"]), actor="c")
    assert (stale.value.current, stale.value.seen, stale.value.changed_by) == (2, 1, "clerk2")
    assert str(stale.value).startswith(f"door plate {plate.pk} was changed by clerk2 at ")
    assert str(stale.value).endswith("(now version 2; you saw version 1): reload it and make your change again")
    plate.refresh_from_db()
    assert (plate.address, plate.version) == ("新竹市東區光復路二段12巷105號", 2)


def test_move_condition_retire_restore_cycle_with_events(district_with_boundary):
    d = district_with_boundary
    plate = make(d, 101)
    successor = make(d, 103)
    with pytest.raises(PlateRefused) as err:
        plate_move(plate_id=plate.pk, version=1, point=at(200), reason=" ", actor="c")
    assert str(err.value) == "reason: say why the plate moves"
    moved = plate_move(plate_id=plate.pk, version=1, point=at(1200), reason="GPS fix", actor="surveyor1")
    assert moved.warnings == ["the new position is outside the plate's village 甲里"]
    assert (moved.plate.geom.x, moved.plate.version) == (X0 + 1200, 2)
    with pytest.raises(PlateRefused) as err:
        plate_set_condition(plate_id=plate.pk, version=2, condition="bent", checked_on=dt.date(2026, 1, 1), actor="c")
    assert str(err.value) == "condition: must be one of ok, missing, damaged, old_style, unknown"
    plate_set_condition(
        plate_id=plate.pk, version=2, condition="missing", checked_on=dt.date(2026, 11, 1), evidence="task 7", actor="s"
    )
    with pytest.raises(PlateRefused) as err:
        plate_retire(plate_id=plate.pk, version=3, retired_on=dt.date(2026, 11, 2), reason="demolished",
                     successor_ids=[successor.pk, 999_999], actor="c")  # fmt: skip
    assert str(err.value) == "successors: no door plate with id 999999"
    retired = plate_retire(
        plate_id=plate.pk, version=3, retired_on=dt.date(2026, 11, 2), reason="demolished", successor_ids=[successor.pk],
        actor="clerk1",
    )  # fmt: skip
    assert (retired.status, retired.retired_on, list(retired.successors.values_list("pk", flat=True))) == (
        "retired",
        dt.date(2026, 11, 2),
        [successor.pk],
    )
    with pytest.raises(PlateRefused) as err:
        plate_retire(plate_id=plate.pk, version=4, retired_on=dt.date(2026, 11, 2), reason="again", actor="c")
    assert str(err.value) == f"status: door plate {plate.pk} is already retired (on 2026-11-02)"
    restored = plate_restore(plate_id=plate.pk, version=4, reason="wrongly retired", actor="clerk1")
    assert (restored.status, restored.retired_on, restored.version, PlateSuccessor.objects.count()) == ("active", None, 5, 0)
    ops = [(op, data["version"], data["status"], data["successors"]) for op, _cause, data in events(plate.pk)]
    assert ops == [
        ("insert", 1, "active", []),
        ("update", 2, "active", []),
        ("update", 3, "active", []),
        ("update", 4, "retired", []),  # the plate row changes first, then its successor link
        ("update", 4, "retired", [successor.pk]),
        ("update", 4, "retired", []),  # link removed on restore, then the plate row
        ("update", 5, "active", []),
    ]
    labels = list(plate.events.order_by("pgh_id").values_list("pgh_label", flat=True))
    assert labels == ["plate.create", "plate.update", "plate.update", "plate.update", "plate.update"]
    history = list(PlateSuccessor.pgh_event_model.objects.order_by("pgh_id").values_list("pgh_label", "to_doorplate_id"))
    assert history == [("successor.add", successor.pk), ("successor.remove", successor.pk)]


def test_restore_refuses_when_the_address_is_active_again(district_with_boundary):
    d = district_with_boundary
    plate = make(d, 101)
    plate_retire(plate_id=plate.pk, version=1, retired_on=dt.date(2026, 1, 1), reason="x", actor="c")
    again = make(d, 101)
    with pytest.raises(PlateRefused) as err:
        plate_restore(plate_id=plate.pk, version=2, reason="y", actor="c")
    assert str(err.value) == f"address: 新竹市東區光復路二段101號 is active again as plate {again.pk}; retire it first"


def test_events_are_numbered_consecutively_at_commit(district_with_boundary):
    d = district_with_boundary
    with connection.cursor() as cur:
        cur.execute("SELECT last_txid, last_seq FROM changes_channel WHERE name = 'public'")
        txid0, seq0 = cur.fetchone()
    plate = make(d, 101)
    commit_point()
    plate_set_condition(plate_id=plate.pk, version=1, condition="ok", checked_on=dt.date(2026, 1, 1), actor="c")
    commit_point()
    with connection.cursor() as cur:
        cur.execute("SELECT txid, first_seq, event_count FROM changes_transaction WHERE txid > %s ORDER BY txid", [txid0])
        rows = cur.fetchall()
        cur.execute("SELECT last_txid, last_seq FROM changes_channel WHERE name = 'public'")
        channel = cur.fetchone()
    # The first transaction holds the fixture's areas and road and the new plate; the second, one condition change.
    (t1, s1, n1), (t2, s2, n2) = rows
    assert (t1, t2, s1, s2, n2) == (txid0 + 1, txid0 + 2, seq0 + 1, seq0 + 1 + n1, 1)
    assert channel == (txid0 + 2, seq0 + n1 + 1)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_writers_exactly_one_wins(areas):
    district = areas["district"]
    road = Road.objects.create(district=district, name="光復路二段", base_name="光復路", section=2)
    plate = plate_create(district=district, components=Components(number=1, road=road), point=at(100), actor="c").plate
    locked, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first():
        try:
            with transaction.atomic():
                plate_set_condition(plate_id=plate.pk, version=1, condition="ok", checked_on=dt.date(2026, 1, 1), actor="a")
                locked.set()
                release.wait(10)
            outcome["a"] = "won"
        finally:
            connections.close_all()

    def second():
        locked.wait(10)
        try:
            plate_set_condition(plate_id=plate.pk, version=1, condition="missing", checked_on=dt.date(2026, 1, 1), actor="b")
            outcome["b"] = "won"
        except StalePlate as exc:
            outcome["b"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    locked.wait(10)
    # b is now waiting for a's row lock (seen from a third connection), then a commits.
    with connection.cursor() as cur:
        for _ in range(200):
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cur.fetchone()[0]:
                break
            threading.Event().wait(0.02)
    release.set()
    for t in threads:
        t.join(10)
    assert outcome["a"] == "won"
    assert isinstance(outcome["b"], StalePlate)
    assert (outcome["b"].current, outcome["b"].changed_by) == (2, "a")
    plate.refresh_from_db()
    assert (plate.condition, plate.version, plate.updated_by) == ("ok", 2, "a")


def test_plate_history_trigger_plans_each_statement_and_records_exactly_the_changed_rows(district_with_boundary):
    """PL/pgSQL kept the history trigger's plan from the first statement of a session: after an update of no rows, a
    bulk update compared every old row with every new one (core.history). The query is dynamic SQL now; the events
    stay exact whatever ran before."""
    d = district_with_boundary
    ids = [make(d, number).pk for number in (101, 103, 105, 107)]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE t.tgrelid = 'addresses_doorplate'::regclass AND t.tgname LIKE 'pgtrigger_plate_update_update_%'"
        )
        (source,) = cur.fetchone()
        assert "EXECUTE $pgh_statement$WITH _pgh_attached_context AS" in source
        assert "FROM old_values JOIN new_values ON" in source
        cur.execute("UPDATE addresses_doorplate SET number = number WHERE id < 0")  # the trigger fires for no row
        cur.execute("UPDATE addresses_doorplate SET last_checked_on = '2026-12-01' WHERE id = ANY(%s)", [ids[:3]])
        cur.execute("UPDATE addresses_doorplate SET zip_code = '30041' WHERE id = ANY(%s)", [ids])  # untracked
    rows = DoorPlate.pgh_event_model.objects.filter(pgh_label="plate.update").order_by("pgh_obj_id")
    assert [(e.pgh_obj_id, e.last_checked_on) for e in rows] == [(pk, None) for pk in ids[:3]]  # the old rows


def test_change_capture_plans_each_statement_and_numbers_events_whatever_ran_before(district_with_boundary):
    """The capture functions plan their query on every statement (changes.sql): a plan kept from a bulk update made
    every later one-plate edit of the session scan all plates. Events stay complete and numbered in order."""
    d = district_with_boundary
    ids = [make(d, number).pk for number in (101, 103, 105)]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT proname, prosrc LIKE %s FROM pg_proc WHERE proname LIKE 'changes\\_capture\\_%%' "
            "AND proname <> 'changes_capture_related' ORDER BY proname",
            ["%EXECUTE $capture$%USING tx, base;%"],
        )
        functions = cur.fetchall()
        assert len(functions) == 22  # 7 tables × insert, update, delete; the registry's updates
        assert [name for name, dynamic in functions if not dynamic] == []
        cur.execute("UPDATE addresses_doorplate SET number = number WHERE id < 0")  # fires the triggers for no row
        cur.execute("UPDATE addresses_doorplate SET last_checked_on = '2026-12-01' WHERE id = ANY(%s)", [ids])
        cur.execute("UPDATE addresses_doorplate SET last_checked_on = '2026-12-02' WHERE id = %s", [ids[0]])
    commit_point()
    assert [(op, data["last_checked_on"]) for op, _cause, data in events(ids[0])] == [
        ("insert", None),
        ("update", "2026-12-01"),
        ("update", "2026-12-02"),
    ]
    assert [(op, data["last_checked_on"]) for op, _cause, data in events(ids[2])] == [
        ("insert", None),
        ("update", "2026-12-01"),
    ]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT array_agg(ordinal ORDER BY ordinal), max(t.event_count) FROM changes_event e "
            "JOIN changes_transaction t ON t.id = e.transaction_id WHERE e.entity = 'plate' AND e.operation = 'update'"
        )
        # One change transaction (the test's): the fixture's and the creations' 8 events, then these 4, gap-free.
        assert cur.fetchone() == ([9, 10, 11, 12], 12)
