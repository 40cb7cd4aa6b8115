"""The door-plate admin writes only through the plate services: keys recomputed, stale forms refused, no deletes."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection
from django.test import Client
from django.utils import timezone

from geo_portal.accounts.services import roles_sync
from geo_portal.addresses.models import DoorPlate, PlateSuccessor
from geo_portal.addresses.plates import Components, plate_create, plate_set_condition
from geo_portal.areas.models import District, Road, Village
from tests.conftest import X0, Y0


class FormFields(HTMLParser):
    """What a browser would post for the first form with the given id: inputs, selected options, textareas."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside or ("name" not in a and tag != "option"):
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "checkbox", "radio"):
            self.data[a["name"]] = a.get("value", "")
        elif tag == "select":
            self.select = a["name"]
            self.data.setdefault(self.select, "")
        elif tag == "option" and self.select and "selected" in a:
            self.data[self.select] = a.get("value", "")
        elif tag == "textarea":
            self.textarea = a["name"]
            self.data[self.textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data


def loaded_form(client: Client, url: str) -> dict[str, str]:
    """GET the admin page and return the data its form would post unchanged."""
    response = client.get(url)
    assert response.status_code == 200
    parser = FormFields("doorplate_form")
    parser.feed(response.content.decode())
    parser.data.pop("csrfmiddlewaretoken", None)
    return parser.data


def change_url(plate: DoorPlate) -> str:
    return f"/admin/addresses/doorplate/{plate.pk}/change/"


def geojson_at(dx: float, dy: float = 500) -> str:
    return Point(X0 + dx, Y0 + dy, srid=3826).transform(4326, clone=True).geojson


def errors(response) -> dict[str, list[str]]:
    form = response.context["adminform"].form
    return {name: list(messages) for name, messages in form.errors.items()}


def events(plate_id: int) -> list[tuple[str, str, str, int, str]]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT operation, cause, actor, (data->>'version')::int, data->>'status' FROM changes_event "
            "WHERE entity = 'plate' AND entity_id = %s ORDER BY transaction_id, ordinal",
            [plate_id],
        )
        return cur.fetchall()


@pytest.fixture
def district_with_boundary(areas):
    district = areas["district"]
    district.boundary = MultiPolygon(
        Polygon(((X0, Y0), (X0 + 2000, Y0), (X0 + 2000, Y0 + 1000), (X0, Y0 + 1000), (X0, Y0))), srid=3826
    )
    district.save()
    road = Road.objects.create(district=district, name="光復路二段", base_name="光復路", section=2)
    return {**areas, "road": road}


@pytest.fixture
def plates(district_with_boundary):
    d = district_with_boundary

    def make(number: int, dx: float = 100) -> DoorPlate:
        return plate_create(
            district=d["district"],
            components=Components(number=number, road=d["road"]),
            point=Point(X0 + dx, Y0 + 500, srid=3826),
            neighborhood=3,
            actor="loader",
        ).plate

    return {**d, "p101": make(101), "p103": make(103, 150)}


@pytest.fixture
def admin_client(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


@pytest.fixture
def other_client(db):
    """A second administrator, in their own browser."""
    user = get_user_model().objects.create_superuser("clerk_b", "b@example.tw", "pw")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def save(client: Client, plate: DoorPlate, data: dict[str, str], **changes: str):
    return client.post(change_url(plate), {**data, **changes, "_save": "Save"})


def test_editing_the_number_recomputes_address_and_keys_and_bumps_the_version(admin_client, plates):
    plate = plates["p101"]
    data = loaded_form(admin_client, change_url(plate))
    response = save(admin_client, plate, data, number="105", lane="12")
    assert (response.status_code, response["Location"]) == (302, "/admin/addresses/doorplate/")
    plate.refresh_from_db()
    assert (plate.address, plate.street_key, plate.address_key, plate.version, plate.updated_by) == (
        "新竹市東區光復路二段12巷105號",
        "光復路二段12巷105號",
        "光復路二段12巷105號#3",
        2,
        "admin",
    )
    assert events(plate.pk) == [("insert", "staff", "loader", 1, "active"), ("update", "admin_edit", "admin", 2, "active")]


def test_saving_an_unchanged_form_writes_nothing(admin_client, plates):
    plate = plates["p101"]
    response = save(admin_client, plate, loaded_form(admin_client, change_url(plate)))
    assert response.status_code == 302
    plate.refresh_from_db()
    assert plate.version == 1 and len(events(plate.pk)) == 1


def test_a_stale_form_is_refused_with_the_other_change_shown_and_keeps_the_input(admin_client, other_client, plates):
    plate = plates["p101"]
    data_a = loaded_form(admin_client, change_url(plate))  # A loads version 1
    data_b = loaded_form(other_client, change_url(plate))
    response = save(other_client, plate, data_b, condition="missing", last_checked_on="2026-01-05")
    assert response.status_code == 302

    response = save(admin_client, plate, data_a, number="105")  # A saves what they loaded: version 1
    assert response.status_code == 200
    plate.refresh_from_db()
    when = timezone.localtime(plate.updated_at).strftime("%Y-%m-%d %H:%M:%S")
    assert errors(response) == {
        "__all__": [
            f"Not saved: clerk_b changed this door plate at {when} (now version 2; you loaded version 1). "
            "Their change:<ul><li>Plate condition: unknown → missing</li><li>Last checked on: — → 2026-01-05</li></ul>"
            "Your input is kept below, with their values where only they changed something. Check it and save again."
        ]
    }
    assert '<ul class="errorlist nonfield"><li>Not saved: clerk_b changed' in response.content.decode()
    assert "<ul><li>Plate condition: unknown → missing</li>" in response.content.decode()  # not escaped
    # Nothing of A's was written.
    assert (plate.number, plate.condition, plate.version, plate.updated_by) == (101, "missing", 2, "clerk_b")
    assert [e[2:4] for e in events(plate.pk)] == [("loader", 1), ("clerk_b", 2)]
    # A's form comes back with A's number, B's condition, and the current version; saving it now works.
    parser = FormFields("doorplate_form")
    parser.feed(response.content.decode())
    again = parser.data
    assert (again["number"], again["condition"], again["last_checked_on"], again["seen_version"]) == (
        "105",
        "missing",
        "2026-01-05",
        "2",
    )
    assert save(admin_client, plate, again).status_code == 302
    plate.refresh_from_db()
    assert (plate.address, plate.condition, plate.last_checked_on, plate.version) == (
        "新竹市東區光復路二段105號",
        "missing",
        dt.date(2026, 1, 5),
        3,
    )


def test_both_changed_the_same_field_the_users_value_stays_for_them_to_decide(admin_client, other_client, plates):
    plate = plates["p101"]
    data_a = loaded_form(admin_client, change_url(plate))
    assert save(other_client, plate, loaded_form(other_client, change_url(plate)), number="107").status_code == 302
    response = save(admin_client, plate, data_a, number="105")
    [message] = errors(response)["__all__"]
    assert "Their change:<ul><li>Number (號): 101 → 107 (you entered 105; kept in the form)</li></ul>" in message
    plate.refresh_from_db()
    assert (plate.number, plate.version) == (107, 2)


def test_a_service_that_sees_a_newer_version_refuses_too(admin_client, plates):
    """Between the admin loading the plate for the POST and the service locking it, someone else wrote."""
    plate = plates["p101"]
    data = loaded_form(admin_client, change_url(plate))
    plate_set_condition(plate_id=plate.pk, version=1, condition="ok", checked_on=dt.date(2026, 1, 2), actor="surveyor1")
    response = save(admin_client, plate, data, condition="damaged", last_checked_on="2026-01-03")
    [message] = errors(response)["__all__"]
    assert message.startswith("Not saved: surveyor1 changed this door plate at ")
    assert "<li>Plate condition: unknown → ok (you entered damaged or illegible; kept in the form)</li>" in message
    plate.refresh_from_db()
    assert (plate.condition, plate.version) == ("ok", 2)


def test_moving_needs_a_reason(admin_client, plates):
    plate = plates["p101"]
    data = loaded_form(admin_client, change_url(plate))
    response = save(admin_client, plate, data, geom=geojson_at(300))
    assert (response.status_code, errors(response)) == (200, {"reason": ["say why the plate moves"]})
    plate.refresh_from_db()
    assert (plate.geom.x, plate.version) == (X0 + 100, 1)

    response = save(admin_client, plate, data, geom=geojson_at(300), reason="GPS fix")
    assert response.status_code == 302
    plate.refresh_from_db()
    assert (round(plate.geom.x, 3), round(plate.geom.y, 3), plate.version) == (X0 + 300, Y0 + 500, 2)
    latest = plate.events.order_by("-pgh_id").first()
    assert {k: latest.pgh_context.metadata.get(k) for k in ("actor", "cause", "reason")} == {
        "actor": "admin",
        "cause": "admin_edit",
        "reason": "GPS fix",
    }


def test_a_point_outside_the_district_is_refused_on_the_map_field(admin_client, plates):
    plate = plates["p101"]
    data = loaded_form(admin_client, change_url(plate))
    response = save(admin_client, plate, data, geom=geojson_at(2100), reason="x")
    assert errors(response) == {"geom": ["lies 100 m outside 東區 (more than the 50 m tolerance)"]}


def test_invalid_components_are_refused_next_to_the_field(admin_client, plates):
    plate = plates["p101"]
    data = loaded_form(admin_client, change_url(plate))
    response = save(admin_client, plate, data, lane="12a")
    assert errors(response) == {"lane": ["must be digits, optionally with 之 (got '12a')"]}
    response = save(admin_client, plate, data, number="103")
    assert errors(response) == {
        "__all__": [f"address: 新竹市東區光復路二段103號 already exists as active plate {plates['p103'].pk}"]
    }


def test_retiring_with_an_unknown_successor_is_refused_and_undoes_the_other_changes(admin_client, plates):
    plate = plates["p101"]
    data = loaded_form(admin_client, change_url(plate))
    retire = {"status": "retired", "retired_on": "2026-01-05", "reason": "demolished"}
    response = save(admin_client, plate, data, number="105", successor_ids="999999", **retire)
    assert (response.status_code, errors(response)) == (200, {"successor_ids": ["no door plate with id 999999"]})
    plate.refresh_from_db()
    assert (plate.number, plate.status, plate.version, len(events(plate.pk))) == (101, "active", 1, 1)
    response = save(admin_client, plate, data, successor_ids="12a", **retire)
    assert errors(response) == {"successor_ids": ["“12a” is not a plate id"]}
    response = save(admin_client, plate, data, status="retired")
    assert errors(response) == {"retired_on": ["is required when the plate is retired"]}
    response = save(admin_client, plate, data, status="retired", retired_on="2026-01-05")
    assert errors(response) == {"reason": ["say why the plate is retired"]}


def test_retiring_and_restoring_through_the_form_with_change_events(admin_client, plates):
    plate, successor = plates["p101"], plates["p103"]
    data = loaded_form(admin_client, change_url(plate))
    response = save(
        admin_client, plate, data, status="retired", retired_on="2026-01-05", successor_ids=str(successor.pk),
        reason="demolished",
    )  # fmt: skip
    assert response.status_code == 302
    plate.refresh_from_db()
    assert (plate.status, plate.retired_on, plate.retired_reason, plate.version) == (
        "retired",
        dt.date(2026, 1, 5),
        "demolished",
        2,
    )
    assert list(PlateSuccessor.objects.values_list("from_doorplate_id", "to_doorplate_id")) == [(plate.pk, successor.pk)]

    data = loaded_form(admin_client, change_url(plate))
    assert (data["status"], data["retired_on"], data["successor_ids"], data["seen_version"]) == (
        "retired",
        "2026-01-05",
        str(successor.pk),
        "2",
    )
    response = save(admin_client, plate, data, retired_on="2026-01-06")
    assert errors(response) == {"retired_on": ["changes only when the plate is retired"]}
    response = save(admin_client, plate, data, status="active")
    assert errors(response) == {"reason": ["say why the plate is restored"]}
    response = save(admin_client, plate, data, status="active", reason="wrongly retired")
    assert response.status_code == 302
    plate.refresh_from_db()
    assert (plate.status, plate.retired_on, plate.version, PlateSuccessor.objects.count()) == ("active", None, 3, 0)
    assert events(plate.pk) == [
        ("insert", "staff", "loader", 1, "active"),
        ("update", "admin_edit", "admin", 2, "retired"),
        ("update", "admin_edit", "admin", 2, "retired"),  # the successor link
        ("update", "admin_edit", "admin", 2, "retired"),  # the link removed on restore
        ("update", "admin_edit", "admin", 3, "active"),
    ]
    html = admin_client.get(change_url(plate)).content.decode()
    # The latest changes say what changed, from what to what, who through what, and why.
    restored = re.search(r"<tr><td>[\d :-]+</td><td>changed</td><td>admin <small>\(admin_edit\)</small></td>"
                         r"<td>wrongly retired</td><td>3</td><td>(.*?)</td></tr>", html).group(1)  # fmt: skip
    assert restored == (
        '<div class="change"><b>status</b>: <del>retired</del> → <ins>active</ins></div>'
        '<div class="change"><b>retired on</b>: <del>2026-01-05</del> → <ins>—</ins></div>'
        '<div class="change"><b>retirement reason</b>: <del>demolished</del> → <ins>—</ins></div>'
    )


def test_adding_a_plate_goes_through_plate_create(admin_client, plates):
    d = plates
    data = loaded_form(admin_client, "/admin/addresses/doorplate/add/")
    data.update(
        district=str(d["district"].pk), geom=geojson_at(1500), road=str(d["road"].pk), number="111",
        neighborhood_number="7", condition="ok", last_checked_on="2026-01-04", _save="Save",
    )  # fmt: skip
    response = admin_client.post("/admin/addresses/doorplate/add/", data)
    assert response.status_code == 302
    plate = DoorPlate.objects.get(number=111)
    assert (plate.address, plate.address_key, plate.village, plate.condition, plate.version, plate.updated_by) == (
        "新竹市東區光復路二段111號",
        "光復路二段111號#7",
        d["b"],
        "ok",
        2,
        "admin",
    )
    assert [e[:3] for e in events(plate.pk)] == [("insert", "admin_edit", "admin"), ("update", "admin_edit", "admin")]
    data.update(number="101", neighborhood_number="3")
    response = admin_client.post("/admin/addresses/doorplate/add/", data)
    assert errors(response) == {
        "__all__": [f"address: 新竹市東區光復路二段101號 already exists as active plate {d['p101'].pk}"]
    }


def test_read_only_fields_cannot_be_posted(admin_client, plates):
    plate = plates["p101"]
    data = loaded_form(admin_client, change_url(plate))
    assert not {"address", "street_key", "address_key", "version", "updated_by", "source_batch"} & set(data)
    response = save(admin_client, plate, data, address="偽造", address_key="x", version="9", updated_by="mallory")
    assert response.status_code == 302
    plate.refresh_from_db()
    assert (plate.address, plate.address_key, plate.version, plate.updated_by) == (
        "新竹市東區光復路二段101號",
        "光復路二段101號#3",
        1,
        "loader",
    )


def test_plates_cannot_be_deleted_in_the_admin(admin_client, plates):
    plate = plates["p101"]
    assert admin_client.get(f"/admin/addresses/doorplate/{plate.pk}/delete/").status_code == 403
    assert admin_client.post(f"/admin/addresses/doorplate/{plate.pk}/delete/", {"post": "yes"}).status_code == 403
    changelist = admin_client.get("/admin/addresses/doorplate/")
    assert "delete_selected" not in changelist.content.decode()
    response = admin_client.post(
        "/admin/addresses/doorplate/", {"action": "delete_selected", "_selected_action": [plate.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert DoorPlate.objects.filter(pk=plate.pk).exists()


def test_a_form_loaded_before_someone_retired_the_plate_takes_the_retirement(admin_client, other_client, plates):
    plate, successor = plates["p101"], plates["p103"]
    data_a = loaded_form(admin_client, change_url(plate))
    retire = {"status": "retired", "retired_on": "2026-01-05", "successor_ids": str(successor.pk), "reason": "gone"}
    assert save(other_client, plate, loaded_form(other_client, change_url(plate)), **retire).status_code == 302
    response = save(admin_client, plate, data_a, lane="12", reason="survey 2026")
    [message] = errors(response)["__all__"]
    assert "<ul><li>Status: active → retired</li><li>Retired on: — → 2026-01-05</li></ul>" in message
    parser = FormFields("doorplate_form")
    parser.feed(response.content.decode())
    again = parser.data
    assert (again["status"], again["successor_ids"], again["lane"], again["reason"]) == (
        "retired",
        str(successor.pk),
        "12",
        "survey 2026",
    )
    assert save(admin_client, plate, again).status_code == 302
    plate.refresh_from_db()
    assert (plate.address, plate.status, plate.version) == ("新竹市東區光復路二段12巷101號", "retired", 3)
    latest = plate.events.order_by("-pgh_id").first()
    assert (latest.version, latest.pgh_context.metadata["reason"]) == (2, "survey 2026")


def test_the_change_page_carries_the_version_and_shows_the_history(admin_client, plates):
    html = admin_client.get(change_url(plates["p101"]), HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert '<input type="hidden" name="seen_version" value="1" id="id_seen_version">' in html
    assert '<table class="plate-history">' in html
    assert "<td>loader <small>(staff)</small></td><td>—</td><td>1</td>" in html
    assert "<b>標準地址</b>: 新竹市東區光復路二段101號" in html  # created with its address
    assert f'<a href="/admin/addresses/doorplate/{plates["p101"].pk}/history/">' in html  # the whole history


def test_a_clerk_edits_plates_through_the_services_a_surveyor_cannot(client, django_user_model):
    roles_sync()
    clerk = django_user_model.objects.create_user("clara", password="a long secret 2026", is_staff=True)
    clerk.groups.add(Group.objects.get(name="clerk"))
    surveyor = django_user_model.objects.create_user("sam", password="a long secret 2026", is_staff=True)
    surveyor.groups.add(Group.objects.get(name="surveyor"))
    assert client.login(username="clara", password="a long secret 2026")
    assert client.get("/admin/addresses/doorplate/").status_code == 200
    client.logout()
    assert client.login(username="sam", password="a long secret 2026")
    assert client.get("/admin/addresses/doorplate/").status_code == 403


# --- the admin as a clerk meets it ----------------------------------------------------------------------------------


@pytest.fixture
def clerk_client(client, django_user_model):
    roles_sync()
    clerk = django_user_model.objects.create_user("clara", password="a long secret 2026", is_staff=True)
    clerk.groups.add(Group.objects.get(name="clerk"))
    client.force_login(clerk)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_admin_carries_the_platforms_name_and_lists_door_plates_first(admin_client, clerk_client, plates):
    html = admin_client.get("/admin/").content.decode()
    assert "<title>Data maintenance | Door-plate platform administration</title>" in html
    assert "Door-plate platform · staff administration" in html and "Django administration" not in html
    apps = re.findall(r'<caption>\s*<a href="/admin/(\w+)/"', html)
    assert apps[:3] == ["addresses", "reports", "census"]
    assert apps[-3:] == ["jobs", "procrastinate", "pghistory"]  # machinery and raw history events last
    models = re.findall(r'<th scope="row" id="addresses-(\w+)">', html)
    assert models == ["doorplate", "zipcoderule"]
    clerk = re.findall(r'<caption>\s*<a href="/admin/(\w+)/"', clerk_client.get("/admin/").content.decode())
    assert clerk[0] == "addresses" and clerk[-1] == "procrastinate"


def test_road_village_and_neighbourhood_are_chosen_by_name(clerk_client, plates):
    other = District.objects.create(
        code="10018020", registry_code="1001802", county=plates["county"], name="北區", name_en="North Dist."
    )
    Road.objects.create(district=other, name="光復路一段", base_name="光復路", section=1)
    Village.objects.create(code="10018020001", district=other, name="光田里", name_en="Guangtian Vil.")
    html = clerk_client.get(change_url(plates["p101"])).content.decode()
    road = re.search(r'<select name="road"[^>]*>(.*?)</select>', html, re.S)
    district = plates["district"].pk
    assert f'data-ajax--url="/admin/addresses/doorplate/choices/road/?district={district}"' in road.group(0)
    assert re.findall(r"<option[^>]*>(.*?)</option>", road.group(1)) == ["", "光復路二段"]  # its name, not its id
    hood = re.search(r'<select name="neighborhood_number"[^>]*>(.*?)</select>', html, re.S)
    assert re.findall(r'<option value="(\d+)" selected>(.*?)</option>', hood.group(1)) == [("3", "3鄰")]
    assert 'data-tags="true"' in hood.group(0)  # a new 鄰 can be typed

    def choices(kind, **params):
        response = clerk_client.get(f"/admin/addresses/doorplate/choices/{kind}/", params)
        assert response.status_code == 200
        return [r["text"] for r in response.json()["results"]]

    # Only the covered district's roads (北區 has no plates): the plate's district when it is given.
    assert choices("road", term="光復", district=plates["district"].pk) == ["光復路二段"]
    assert choices("road", term="光復") == ["光復路二段 (東區)"]
    assert choices("village", district=plates["district"].pk) == ["乙里", "甲里"]
    assert choices("village", term="Jia", district=plates["district"].pk) == ["甲里"]
    village = plates["p101"].village
    assert choices("neighborhood", village=village.pk) == ["3鄰 (2 plates)"]
    assert clerk_client.get("/admin/addresses/doorplate/choices/building/").status_code == 404


def test_a_road_of_another_district_is_refused(clerk_client, plates):
    other = District.objects.create(
        code="10018020", registry_code="1001802", county=plates["county"], name="北區", name_en="North Dist."
    )
    foreign = Road.objects.create(district=other, name="中正路", base_name="中正路")
    plate = plates["p101"]
    response = save(clerk_client, plate, loaded_form(clerk_client, change_url(plate)), road=str(foreign.pk))
    assert errors(response) == {"road": ["Select a valid choice. That choice is not one of the available choices."]}


def test_the_type_ahead_lists_need_the_right_to_edit_plates(client, django_user_model, plates):
    roles_sync()
    sam = django_user_model.objects.create_user("sam", password="a long secret 2026", is_staff=True)
    sam.groups.add(Group.objects.get(name="surveyor"))
    client.force_login(sam)
    assert client.get("/admin/addresses/doorplate/choices/road/").status_code == 403
    client.logout()
    assert client.get("/admin/addresses/doorplate/choices/road/").status_code == 302  # to the sign-in


def test_the_add_page_offers_the_villages_of_the_chosen_district(clerk_client, plates):
    html = clerk_client.get("/admin/addresses/doorplate/add/").content.decode()
    # One district has plates: it is chosen already, and the lists follow it.
    district = plates["district"].pk
    assert f'<option value="{district}" selected>' in html
    village = re.search(r'<select name="village"[^>]*>', html).group(0)
    assert f'data-ajax--url="/admin/addresses/doorplate/choices/village/?district={district}"' in village


def test_the_change_page_maps_the_neighbouring_entrances(clerk_client, plates):
    plate_create(
        district=plates["district"],
        components=Components(number=101, road=plates["road"], floor=5),
        point=Point(X0 + 100, Y0 + 500, srid=3826),
        neighborhood=3,
        actor="loader",
    )  # fmt: skip  (a floor of the same entrance: not a neighbour)
    html = clerk_client.get(change_url(plates["p101"])).content.decode()
    data = json.loads(re.search(r'<script id="plate-map" type="application/json">(.*?)</script>', html).group(1))
    p103 = plates["p103"]
    lonlat = p103.geom.transform(4326, clone=True)
    assert data == {
        "plate": {"id": plates["p101"].pk, "label": "101號"},
        "neighbours": [
            {
                "id": p103.pk,
                "label": "103號",
                "lat": round(lonlat.y, 7),
                "lon": round(lonlat.x, 7),
                "url": f"/admin/addresses/doorplate/{p103.pk}/change/",
            }
        ],
    }
    assert '<script src="/static/addresses/admin/plate_page.js"></script>' in html


def test_one_history_view_shows_every_change(clerk_client, plates):
    plate = plates["p101"]
    plate_set_condition(plate_id=plate.pk, version=1, condition="ok", checked_on=dt.date(2026, 1, 2), actor="surveyor1")
    html = clerk_client.get(f"/admin/addresses/doorplate/{plate.pk}/history/").content.decode()
    assert "<h1>History of 新竹市東區光復路二段101號</h1>" in html
    rows = re.findall(
        r"<tr><td>[\d :-]+</td><td>(\w+)</td><td>(.*?)</td><td>(.*?)</td><td>(\d*)</td><td>(.*?)</td></tr>", html
    )
    assert rows == [
        (
            "changed",
            "surveyor1 <small>(staff)</small>",
            "—",
            "2",
            '<div class="change"><b>plate condition</b>: <del>unknown</del> → <ins>ok</ins></div>'
            '<div class="change"><b>last checked on</b>: <del>—</del> → <ins>2026-01-02</ins></div>',
        ),
        (
            "created",
            "loader <small>(staff)</small>",
            "—",
            "1",
            '<div class="change"><b>canonical address</b>: 新竹市東區光復路二段101號</div>',
        ),
    ]
