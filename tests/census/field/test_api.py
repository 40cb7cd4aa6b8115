"""The field app's pages and JSON API: sign-in and role, CSRF, the device header, claim / extend / release, the
offline package, batch sync with a clear error per record, photos, and a revoked device told to wipe."""

from __future__ import annotations

import gzip
import io
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from geo_portal.census.models import Finding, Task
from geo_portal.census.sync import device_revoke
from geo_portal.core.geo import transform_point
from tests.accounts.factories import PASSWORD

DEVICE = "6f1c2b1e-3a4d-4e5f-8a9b-0c1d2e3f4a5b"
API = "/census/field/api"


def client_for(user, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf, HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def post(client: Client, url: str, body: dict | None = None, *, device: str | None = DEVICE):
    headers = {"X-Field-Device": device} if device else {}
    return client.post(url, json.dumps(body or {}), content_type="application/json", headers=headers)


def uid(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


def now_iso() -> str:
    return timezone.localtime().isoformat()


def first_task(campaign) -> Task:
    return campaign.tasks.order_by("number").first()


@pytest.fixture
def surveyor(staff):
    return client_for(staff["surveyor"])


@pytest.fixture
def claimed(campaign, staff, surveyor):
    task = first_task(campaign)
    response = post(surveyor, f"{API}/tasks/{task.pk}/claim")
    assert response.status_code == 200, response.content
    return {"task": task, "package": response.json()["package"], "client": surveyor, "user": staff["surveyor"]}


def record(c, n: int, stop: int = 0, plate: int = 0, **kw) -> dict:
    s = c["package"]["stops"][stop]
    p = s["plates"][plate]
    return {"uuid": uid(n), "task": c["task"].pk, "stop": s["id"], "plate": p["id"], "plate_version": p["version"],
            "kind": "ok", "observed_at": now_iso(), "point": None, "written_address": "", "skip_reason": "",
            "note": "", "has_photo": False, **kw}  # fmt: skip


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


# --- pages -----------------------------------------------------------------------------------------------------


def test_the_shell_needs_a_signed_in_surveyor(campaign, staff):
    anonymous = Client()
    response = anonymous.get("/census/field/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=/census/field/"

    clerk = client_for(staff["clerk"])
    response = clerk.get("/census/field/")
    assert response.status_code == 403
    assert "clerk1 may not do census field work" in response.content.decode()

    response = client_for(staff["surveyor"]).get("/census/field/")
    assert response.status_code == 200
    assert response["X-Field-Shell"] == "1"
    assert "no-cache" in response["Cache-Control"]
    page = response.content.decode()
    config = json.loads(page.split('<script id="field-config" type="application/json">')[1].split("</script>")[0])
    assert config["user"] == {"id": staff["surveyor"].pk, "name": "sur1"}
    assert config["urls"]["claim"] == "/census/field/api/tasks/0/claim"
    assert config["urls"]["photo"] == "/census/field/api/findings/00000000-0000-0000-0000-000000000000/photo"
    assert config["text"]["offline"] == "Offline"
    kinds = [line.split('value="')[1].split('"')[0] for line in page.splitlines() if 'name="kind"' in line]
    assert kinds == [k for k in Finding.Kind.values]
    assert '<link rel="manifest" href="/census/field/manifest.webmanifest">' in page
    assert "<script>" not in page  # no inline script: the strict CSP holds


def test_the_service_worker_is_scoped_to_the_app_precaches_its_files_and_may_fetch_them(db):
    response = Client().get("/census/field/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/census/field/"
    assert response["Content-Security-Policy"].startswith("default-src 'self'; script-src 'self'; connect-src 'self'")
    assert response["Cache-Control"] == "max-age=3600"
    body = response.content.decode()
    assert (
        'importScripts.apply(self, ["/static/vendor/workbox/workbox-core.prod.js", '
        '"/static/vendor/workbox/workbox-routing.prod.js", "/static/vendor/workbox/workbox-strategies.prod.js", '
        '"/static/vendor/workbox/workbox-precaching.prod.js"]);'
    ) in body
    precache = json.loads(body.split("precacheAndRoute(")[1].split(");")[0])
    assert [entry["url"] for entry in precache] == [
        "/static/leaflet/leaflet.css",
        "/static/leaflet/leaflet.js",
        "/static/vendor/idb/umd.js",
        "/static/census/field/field.css",
        "/static/census/field/field.js",
        "/static/census/field/icon-192.png",
        "/static/census/field/icon-512.png",
        "/static/census/field/icon-maskable-512.png",
    ]
    assert all(len(entry["revision"]) == 16 for entry in precache)
    for path in ["/static/vendor/workbox/workbox-core.prod.js", "/static/vendor/idb/umd.js"]:
        assert Client().get(path).status_code == 200


def test_the_manifest_makes_the_app_installable(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/census/field/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json; charset=utf-8"
    manifest = response.json()
    assert manifest["name"] == "Door-plate census"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/census/field/",
        "/census/field/",
        "standalone",
    )
    assert [(i["sizes"], i["purpose"]) for i in manifest["icons"]] == [
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    ]
    icon = Client().get(manifest["icons"][0]["src"])
    assert Image.open(io.BytesIO(b"".join(icon.streaming_content))).size == (192, 192)


# --- who may use the API -----------------------------------------------------------------------------------------


def test_signed_out_wrong_role_and_wrong_method_get_json_errors(campaign, staff):
    response = Client().get(f"{API}/tasks")
    assert response.status_code == 401
    assert response.json()["login"] == "/staff/login/?next=/census/field/"

    response = client_for(staff["clerk"]).get(f"{API}/tasks", HTTP_ACCEPT_LANGUAGE="en")
    assert (response.status_code, response.json()) == (403, {"detail": "clerk1 may not do census field work."})
    response = client_for(staff["supervisor"]).post(f"{API}/sync", "{}", content_type="application/json")
    assert response.status_code == 403

    response = client_for(staff["surveyor"]).get(f"{API}/sync")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json() == {"detail": "Method GET is not allowed here."}


def test_posts_need_the_csrf_token(campaign, staff):
    client = client_for(staff["surveyor"], csrf=True)
    task = first_task(campaign)
    response = post(client, f"{API}/tasks/{task.pk}/claim")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("The request was refused by the CSRF check (CSRF cookie not set.)")
    assert Task.objects.get(pk=task.pk).state == "ready"

    client.get("/census/field/")  # the shell sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"{API}/tasks/{task.pk}/claim",
        "{}",
        content_type="application/json",
        headers={"X-Field-Device": DEVICE, "X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert Task.objects.get(pk=task.pk).state == "claimed"


# --- tasks, claim, package ------------------------------------------------------------------------------------


def test_task_lists_claim_and_package(campaign, staff, surveyor):
    tasks = list(campaign.tasks.order_by("number"))
    data = surveyor.get(f"{API}/tasks").json()
    assert data["mine"] == []
    assert [t["id"] for t in data["claimable"]] == [t.pk for t in tasks]
    assert data["claimable"][0] == {
        "id": tasks[0].pk,
        "number": 1,
        "label": tasks[0].label,
        "state": "ready",
        "state_label": "ready",
        "side": tasks[0].side,
        "campaign": {"id": campaign.pk, "name": "115年東區門牌清查"},
        "stop_count": tasks[0].stop_count,
        "plate_count": tasks[0].plate_count,
        "hint_count": tasks[0].hint_count,
        "lock_expires_at": None,
        "mine": False,
        "returned": False,
        "distance_m": None,
    }

    # Nearest first: the last task's first stop.
    far = tasks[-1].stops.order_by("seq").first().geom
    lonlat = transform_point(far, 4326)
    near = surveyor.get(f"{API}/tasks", {"lon": f"{lonlat.x:.6f}", "lat": f"{lonlat.y:.6f}"}).json()["claimable"]
    assert near[0]["id"] == tasks[-1].pk
    assert near[0]["distance_m"] < 20
    assert [t["distance_m"] for t in near] == sorted(t["distance_m"] for t in near)
    response = surveyor.get(f"{API}/tasks", {"lon": "abc", "lat": "24.8"})
    assert (response.status_code, response.json()) == (400, {"detail": "lon, lat: must both be numbers"})
    response = surveyor.get(f"{API}/tasks", {"lon": "2", "lat": "48"})
    assert response.json() == {"detail": "lon, lat: (2, 48) is not in Taiwan"}

    response = post(surveyor, f"{API}/tasks/{tasks[0].pk}/claim", device=None)
    assert response.json() == {"detail": "device: the X-Field-Device header (the device's UUID) is required"}
    response = post(surveyor, f"{API}/tasks/{tasks[0].pk}/claim", device="not-a-uuid")
    assert response.json() == {"detail": "device: 'not-a-uuid' is not a device id (UUID)"}

    response = post(surveyor, f"{API}/tasks/{tasks[0].pk}/claim")
    assert response.status_code == 200
    data = response.json()
    assert data["task"]["state"] == "claimed" and data["task"]["mine"] is True
    package = data["package"]
    assert package["task"]["id"] == tasks[0].pk
    assert package["task"]["lock_expires_at"] == data["task"]["lock_expires_at"]
    assert [s["seq"] for s in package["stops"]] == list(range(1, tasks[0].stop_count + 1))
    assert package["stops"][0]["plates"][0]["version"] == 1
    assert package["task"]["outline"]["type"] == "Polygon"
    surroundings = package["surroundings"]
    own = {p["id"] for s in package["stops"] for p in s["plates"]}
    assert len(surroundings["plates"]) == 11 - len(own)  # every other plate of the street lies within 80 m
    assert surroundings["buildings"] == {"type": "FeatureCollection", "features": []}
    w, s, e, n = surroundings["bbox"]
    assert all(w < stop["lon"] < e and s < stop["lat"] < n for stop in package["stops"])

    response = post(surveyor, f"{API}/tasks/{tasks[1].pk}/claim")
    assert response.status_code == 400
    assert "already holds 1 tasks" in response.json()["detail"]
    response = post(surveyor, f"{API}/tasks/999999/claim")
    assert (response.status_code, response.json()) == (404, {"detail": "There is no census task 999999."})

    assert surveyor.get(f"{API}/tasks/{tasks[0].pk}/package").json()["stops"] == package["stops"]
    other = client_for(staff["surveyor2"])
    response = other.get(f"{API}/tasks/{tasks[0].pk}/package")
    assert (response.status_code, response.json()) == (403, {"detail": "Task #1 is not yours: claim it first."})
    response = post(other, f"{API}/tasks/{tasks[0].pk}/claim")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Task #1 is claimed by sur1 until ")
    assert surveyor.get(f"{API}/tasks").json()["mine"][0]["id"] == tasks[0].pk


def test_the_package_travels_gzipped(claimed):
    """The offline package is sent compressed to a client that accepts it (the app's fetch always does)."""
    url = f"{API}/tasks/{claimed['task'].pk}/package"
    plain = claimed["client"].get(url)
    zipped = claimed["client"].get(url, headers={"Accept-Encoding": "gzip"})
    assert (plain.get("Content-Encoding"), zipped["Content-Encoding"], zipped["Vary"]) == (
        None,
        "gzip",
        "Accept-Encoding, Cookie, Accept-Language",  # sessions sit inside the locale middleware (config.fast_path)
    )
    assert json.loads(gzip.decompress(zipped.content))["stops"] == plain.json()["stops"]
    assert len(zipped.content) < len(plain.content) / 2  # Django pads gzip with up to 100 random bytes (BREACH)


def test_extend_and_release(claimed, staff):
    c = claimed
    task_url = f"{API}/tasks/{c['task'].pk}"
    Task.objects.filter(pk=c["task"].pk).update(lock_expires_at=timezone.now() + timezone.timedelta(minutes=5))
    response = post(c["client"], f"{task_url}/extend")
    assert response.status_code == 200
    expires = Task.objects.get(pk=c["task"].pk).lock_expires_at
    assert expires > timezone.now() + timezone.timedelta(hours=7)
    assert response.json()["task"]["lock_expires_at"] == expires.isoformat()
    response = post(client_for(staff["surveyor2"]), f"{task_url}/extend")
    assert response.json() == {"detail": "Only sur1, who holds task #1, can extend it."}
    response = post(c["client"], f"{task_url}/release")
    assert response.json()["task"]["state"] == "ready"
    response = post(c["client"], f"{task_url}/release")
    assert response.json() == {"detail": "Task #1 is ready: it cannot be released."}
    # The last holder may still download it to sync late findings.
    assert c["client"].get(f"{task_url}/package").status_code == 200


# --- sync ------------------------------------------------------------------------------------------------------


def test_sync_applies_the_valid_records_and_answers_each_bad_one(claimed):
    c = claimed
    stop_point = c["package"]["stops"][1]
    batch = [
        record(c, 1),
        record(
            c,
            2,
            stop=1,
            kind="wrong_position",
            point={"lon": stop_point["lon"], "lat": stop_point["lat"] + 0.00005, "accuracy": 6},
        ),
        record(c, 3, stop=1, kind="number_differs"),
        record(c, 4, kind="flying"),
        {"uuid": "nope"},
        "not an object",
        record(c, 7, stop=2, has_photo=True),
    ]
    response = post(c["client"], f"{API}/sync", {"device": DEVICE, "findings": batch, "submit": []})
    assert response.status_code == 200
    data = response.json()
    assert (data["stored"], data["duplicates"], data["errors"]) == (3, 0, 4)
    by_uuid = {r["uuid"]: r for r in data["records"]}
    assert by_uuid[uid(1)] == {
        "uuid": uid(1),
        "status": "stored",
        "conflict": False,
        "photo_needed": False,
        "superseded": False,
    }
    assert by_uuid[uid(3)]["errors"] == {"written_address": "write the address as it is on the plate"}
    assert by_uuid[uid(4)]["errors"] == {"kind": "must be one of " + ", ".join(Finding.Kind.values)}
    assert by_uuid["nope"]["errors"] == {"uuid": "'nope' is not a UUID"}
    assert by_uuid[""]["errors"] == {"record": "must be an object"}
    assert by_uuid[uid(7)]["photo_needed"] is True
    task_state = data["tasks"][str(c["task"].pk)]
    assert (task_state["held"], task_state["lapsed"], task_state["state"]) == (True, False, "claimed")
    assert sorted(str(u) for u in Finding.objects.values_list("uuid", flat=True)) == sorted([uid(1), uid(2), uid(7)])
    assert Finding.objects.get(uuid=uid(2)).device.uuid == uuid.UUID(DEVICE)

    # The same batch again: nothing new; one record changed after sending: refused, the first version kept.
    again = post(
        c["client"], f"{API}/sync", {"device": DEVICE, "findings": [record(c, 1) | {"observed_at": batch[0]["observed_at"]}]}
    )
    assert again.json()["records"][0]["status"] == "duplicate"
    resend = post(c["client"], f"{API}/sync", {"device": DEVICE, "findings": batch[:3]}).json()
    assert (resend["stored"], resend["duplicates"], resend["errors"]) == (0, 2, 1)
    tampered = post(c["client"], f"{API}/sync", {"device": DEVICE, "findings": [batch[0] | {"kind": "missing"}]}).json()
    assert tampered["records"][0]["errors"] == {
        "uuid": "was already received with different contents; the first version is kept"
    }
    assert Finding.objects.count() == 3


def test_sync_reports_a_lapsed_claim_and_still_takes_late_findings(claimed):
    c = claimed
    past = timezone.now() - timezone.timedelta(minutes=3)
    Task.objects.filter(pk=c["task"].pk).update(lock_expires_at=past)
    data = post(c["client"], f"{API}/sync", {"device": DEVICE, "findings": [record(c, 1)]}).json()
    assert data["stored"] == 1
    state = data["tasks"][str(c["task"].pk)]
    assert (state["held"], state["lapsed"], state["lock_expires_at"]) == (False, True, past.isoformat())


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"{not json", "body: is not valid JSON"),
        (b"[1, 2]", "body: must be a JSON object"),
        (b'{"device": "6f1c2b1e-3a4d-4e5f-8a9b-0c1d2e3f4a5b", "findings": {"a": 1}}', "findings: must be a list"),
        (b'{"device": "6f1c2b1e-3a4d-4e5f-8a9b-0c1d2e3f4a5b", "submit": 3}', "submit: must be a list of task ids"),
        (b'{"findings": []}', "device: the device's UUID is required (“device” in the body)"),
    ],
)
def test_bad_sync_bodies_get_a_clear_400(claimed, body, detail):
    response = claimed["client"].post(f"{API}/sync", body, content_type="application/json")
    assert (response.status_code, response.json()) == (400, {"detail": detail})


def test_submit_through_sync(claimed):
    c = claimed
    records = [record(c, i + 1, stop=i) for i in range(len(c["package"]["stops"]))]
    data = post(c["client"], f"{API}/sync", {"device": DEVICE, "findings": records[:-1], "submit": [c["task"].pk]}).json()
    assert data["submitted"][str(c["task"].pk)].startswith("1 stops have no finding yet")
    data = post(c["client"], f"{API}/sync", {"device": DEVICE, "findings": records, "submit": [c["task"].pk]}).json()
    assert data["submitted"] == {str(c["task"].pk): "submitted"}
    assert data["tasks"][str(c["task"].pk)]["state"] == "submitted"


def test_photo_upload_is_confirmed_and_idempotent(claimed):
    c = claimed
    post(c["client"], f"{API}/sync", {"device": DEVICE, "findings": [record(c, 1, has_photo=True)]})
    url = f"{API}/findings/{uid(1)}/photo"
    headers = {"X-Field-Device": DEVICE}
    response = c["client"].post(url, {"photo": io.BytesIO(jpeg())}, headers=headers)
    assert response.status_code == 200, response.content
    sha = response.json()["sha256"]
    assert response.json() == {"uuid": uid(1), "photo": True, "sha256": sha}
    assert Finding.objects.get(uuid=uid(1)).synced is True
    again = c["client"].post(url, {"photo": io.BytesIO(jpeg())}, headers=headers)
    assert again.json()["sha256"] == sha

    response = c["client"].post(url, {}, headers=headers)
    assert response.json() == {"detail": "photo: no file was sent (multipart field “photo”)"}
    response = c["client"].post(f"{API}/findings/{uid(9)}/photo", {"photo": io.BytesIO(jpeg())}, headers=headers)
    assert response.json() == {"detail": f"Finding {uid(9)} has not arrived yet: sync the findings first."}
    response = c["client"].post(f"{API}/findings/{uid(1)}/photo", {"photo": io.BytesIO(b"text")}, headers=headers)
    assert response.status_code == 400


def test_a_revoked_device_is_told_to_wipe(claimed, staff):
    c = claimed
    post(c["client"], f"{API}/sync", {"device": DEVICE, "findings": [record(c, 1)]})
    device = Finding.objects.get(uuid=uid(1)).device
    device_revoke(device_id=device.pk, actor=staff["supervisor"])
    response = post(c["client"], f"{API}/sync", {"device": DEVICE, "findings": [record(c, 2)]})
    assert response.status_code == 410
    data = response.json()
    assert data["wipe"] is True
    assert data["detail"].startswith("This device's access was revoked on ")
    assert not Finding.objects.filter(uuid=uid(2)).exists()
    # Every other endpoint refuses it too, and so does a GET naming it.
    assert post(c["client"], f"{API}/tasks/{c['task'].pk}/extend").status_code == 410
    assert c["client"].get(f"{API}/tasks/{c['task'].pk}/package", headers={"X-Field-Device": DEVICE}).status_code == 410
    # Another device of the same surveyor still works.
    other = str(uuid.uuid4())
    response = post(c["client"], f"{API}/sync", {"device": other, "findings": [record(c, 2)]}, device=other)
    assert response.json()["stored"] == 1
