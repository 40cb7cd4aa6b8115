"""Campaign pages: who may open them, a new campaign over villages or a drawn polygon (the service's refusals
shown), split with its summary, open and close, the task map's GeoJSON, and the dashboard's numbers."""

from __future__ import annotations

import json
import re
from html import unescape as html_unescape

import pytest

from geo_portal.census.models import Campaign, FieldDevice
from geo_portal.census.office.selectors import (
    campaign_devices,
    findings_by_kind,
    surveyor_work,
    village_progress,
)
from geo_portal.census.sync import device_for

pytestmark = pytest.mark.django_db

POLYGON = {
    "type": "Polygon",
    "coordinates": [[[121.00098, 24.77087], [121.00164, 24.77087], [121.00164, 24.77269], [121.00098, 24.77269],
                     [121.00098, 24.77087]]],
}  # fmt: skip


def new_campaign(street, staff, **fields) -> dict:
    return {
        "name": "東區局部清查",
        "district": street["district"].pk,
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
        "scope": "all",
        "target_min_stops": "3",
        "target_max_stops": "5",
        "fold_max_stops": "2",
        "max_tasks_per_surveyor": "2",
        "lock_hours": "12",
        **fields,
    }


def messages(response) -> list[str]:
    """The messages shown on the page a post redirected to (``follow=True``)."""
    html = response.content.decode()
    return [html_unescape(m) for m in re.findall(r'<p class="census-message[^"]*" role="\w+">(.*?)</p>', html, re.S)]


def test_pages_need_a_supervisor(street, staff, as_user, client):
    assert client.get("/census/")["Location"] == "/staff/login/?next=/census/"
    for role in ("surveyor", "clerk"):
        response = as_user(role).get("/census/campaigns/new/")
        assert response.status_code == 403
        assert "This page is for census supervisors." in response.content.decode()
    response = as_user("surveyor").post("/census/campaigns/new/", new_campaign(street, staff, villages=[street["a"].pk]))
    assert response.status_code == 403
    assert Campaign.objects.count() == 0


def test_a_campaign_over_villages_is_created_split_opened_and_closed(street, staff, as_user):
    sup = as_user("supervisor")
    data = new_campaign(street, staff, villages=[street["a"].pk], team=[staff["surveyor"].pk])
    response = sup.post("/census/campaigns/new/", data, follow=True)
    campaign = Campaign.objects.get()
    assert response.redirect_chain == [(f"/census/campaigns/{campaign.pk}/", 302)]
    assert messages(response) == ["Campaign 東區局部清查 was created as a draft; split it into tasks next."]
    assert (campaign.name, campaign.status, campaign.created_by.username) == ("東區局部清查", "draft", "sup1")
    assert list(campaign.villages.values_list("name", flat=True)) == ["甲里"]
    assert list(campaign.team.values_list("username", flat=True)) == ["sur1"]
    assert campaign.area.equals(street["a"].boundary)

    response = sup.post(f"/census/campaigns/{campaign.pk}/status", {"status": "active"}, follow=True)
    assert messages(response) == ["Split the campaign into tasks before opening it."]
    response = sup.post(f"/census/campaigns/{campaign.pk}/split", follow=True)
    assert messages(response) == ["Split into 3 tasks: 10 stops, 11 plates, 10 hints."]
    response = sup.post(f"/census/campaigns/{campaign.pk}/status", {"status": "active"}, follow=True)
    assert messages(response) == ["Campaign 東區局部清查 is now active."]
    response = sup.post(f"/census/campaigns/{campaign.pk}/status", {"status": "closed"}, follow=True)
    assert messages(response) == ["Campaign 東區局部清查 is now closed."]
    response = sup.post(f"/census/campaigns/{campaign.pk}/split", follow=True)
    assert messages(response) == ["Campaign 東區局部清查 is closed."]

    html = sup.get("/census/").content.decode()
    row = re.search(r'<table class="summary census-table" id="campaigns">.*?</table>', html, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
    assert cells[9:] == ["東區局部清查", "closed", "2026-12-01 – 2026-12-31", "3", "3", "0", "0", "0", "0"]


def test_a_drawn_polygon_takes_only_the_plates_inside(street, staff, as_user):
    sup = as_user("supervisor")
    response = sup.post("/census/campaigns/new/", new_campaign(street, staff, area=json.dumps(POLYGON)), follow=True)
    campaign = Campaign.objects.get()
    assert response.redirect_chain == [(f"/census/campaigns/{campaign.pk}/", 302)]
    assert list(campaign.villages.all()) == []
    response = sup.post(f"/census/campaigns/{campaign.pk}/split", follow=True)
    assert messages(response) == ["Split into 2 tasks: 6 stops, 7 plates, 6 hints."]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({}, "Choose villages or draw an area."),
        ({"area": "{nonsense"}, "This is not GeoJSON."),
        ({"area": json.dumps({"type": "Point", "coordinates": [121, 24.77]})},
         "Draw a polygon (a GeoJSON Polygon or MultiPolygon)."),
        ({"area": json.dumps({**POLYGON, "coordinates": [[[c[1], c[0]] for c in POLYGON["coordinates"][0]]]})},
         "The polygon is not in Taiwan (coordinates are longitude, latitude)."),
        ({"area": json.dumps({"type": "Polygon",
                              "coordinates": [[[121.2, 24.9], [121.21, 24.9], [121.21, 24.91], [121.2, 24.9]]]})},
         "area: lies outside 東區"),
        ({"villages": "A", "ends_on": "2026-11-01"}, "ends_on: is before starts_on"),
        ({"villages": "A", "scope": "not_checked_since"}, "not_checked_since: is required for this scope"),
    ],
)  # fmt: skip
def test_refusals_are_shown_on_the_form(street, staff, as_user, fields, error):
    if fields.get("villages") == "A":
        fields = {**fields, "villages": [street["a"].pk]}
    response = as_user("supervisor").post("/census/campaigns/new/", new_campaign(street, staff, **fields))
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Campaign.objects.count() == 0


def test_the_form_lists_villages_and_surveyors_and_has_the_drawing_map(street, staff, as_user):
    html = as_user("supervisor").get("/census/campaigns/new/").content.decode()
    assert re.findall(r'name="villages" value="\d+"[^>]*>\s*([^<\s]+)', html) == ["甲里", "乙里"]
    assert re.findall(r'name="team" value="\d+"[^>]*>\s*([^<\s]+)', html) == ["sur1", "sur2"]
    assert 'id="draw-map"' in html and 'data-target="id_area"' in html
    assert "/static/leaflet/draw/leaflet.draw.js" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=", html)  # CSP: no inline script or style


def test_task_map_geojson_is_built_by_postgis_in_wgs84_with_6_decimals(campaign, as_user):
    response = as_user("supervisor").get(f"/census/campaigns/{campaign.pk}/tasks.geojson")
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    assert [(f["id"], f["properties"]) for f in data["features"]] == [
        (t.pk, {"number": t.number, "label": t.label, "state": "ready", "stops": t.stop_count, "assignee": None})
        for t in campaign.tasks.order_by("number")
    ]
    ring = data["features"][0]["geometry"]["coordinates"][0]
    assert data["features"][0]["geometry"]["type"] == "Polygon"
    assert all(len(repr(v).split(".")[1]) <= 6 for point in ring for v in point)
    assert all(120.9 < lon < 121.1 and 24.7 < lat < 24.8 for lon, lat in ring)
    assert as_user("surveyor").get(f"/census/campaigns/{campaign.pk}/tasks.geojson").status_code == 403


def test_dashboard_numbers(submitted, campaign, staff, as_user):
    progress = village_progress(campaign.pk)
    assert [(v.village, v.stops, v.checked, v.accepted) for v in progress] == [("甲里", 10, 3, 0)]
    kinds = {k.kind: (k.total, k.pending, k.conflicts) for k in findings_by_kind(campaign.pk)}
    assert kinds == {
        "ok": (1, 1, 0), "missing": (1, 1, 1), "damaged": (0, 0, 0), "old_style": (0, 0, 0),
        "wrong_position": (1, 1, 0), "number_differs": (1, 1, 0), "unregistered": (1, 1, 0), "no_plate": (0, 0, 0),
        "skipped": (0, 0, 0),
    }  # fmt: skip
    [work] = surveyor_work(campaign.pk)
    assert (work.username, work.holding, work.submitted, work.findings) == ("sur1", 0, 1, 5)
    device_for(user=staff["surveyor"], device_uuid="6f1c7a52-8f4e-4c62-9d36-5a7c0b1e2f3a", user_agent="Pixel 7")
    device_for(user=staff["surveyor2"], device_uuid="0b6a9d1e-3c2f-4e8a-b7d5-1f2e3d4c5b6a")  # not in this campaign
    assert [(d.user.username, str(d.uuid)[:8]) for d in campaign_devices(campaign.pk)] == [("sur1", "6f1c7a52")]

    html = as_user("supervisor2").get(f"/census/campaigns/{campaign.pk}/").content.decode()
    table = re.search(r'id="village-progress".*?</table>', html, re.S).group(0)
    assert re.findall(r"<td class=\"num\">([^<]+)</td>", table) == ["10", "3", "30%", "0"]
    assert f'data-geojson="/census/campaigns/{campaign.pk}/tasks.geojson"' in html
    assert "光復路二段1號</a> — missing: the plate changed since it was downloaded: version 1 → 2 by clerk1" in html
    swatch = '<span class="swatch swatch-submitted" aria-hidden="true"></span>'
    assert f'<li>{swatch} submitted <span class="census-count">1</span></li>' in html


def test_a_supervisor_revokes_a_device_from_the_dashboard(submitted, campaign, staff, as_user):
    device = device_for(user=staff["surveyor"], device_uuid="6f1c7a52-8f4e-4c62-9d36-5a7c0b1e2f3a")
    sup = as_user("supervisor")
    assert as_user("surveyor").post(f"/census/devices/{device.pk}/revoke").status_code == 403
    response = sup.post(f"/census/devices/{device.pk}/revoke", {"campaign": str(campaign.pk)})
    assert response["Location"] == f"/census/campaigns/{campaign.pk}/#devices"
    page = sup.get(f"/census/campaigns/{campaign.pk}/")
    assert messages(page) == ["The device of sur1 was revoked: its next sync is refused and it wipes its tasks."]
    device = FieldDevice.objects.get(pk=device.pk)
    assert (device.revoked_by.username, device.revoked_at is not None) == ("sup1", True)
    html = page.content.decode()
    assert re.search(r"revoked \d{4}-\d\d-\d\d \d\d:\d\d by sup1", html)


def test_task_table_filters_by_state(submitted, campaign, as_user):
    html = as_user("supervisor2").get(f"/census/campaigns/{campaign.pk}/?state=submitted").content.decode()
    table = re.search(r'id="task-table".*?</table>', html, re.S).group(0)
    assert re.findall(r'<a href="/census/tasks/\d+/">([^<]+)</a>', table) == ["#1 光復路二段 單號 1–5"]
    assert "1 of 1 tasks" in table
