"""Census benchmark, run by ``make bench`` against its benchmark database (DATABASE_URL set, real plates and
buildings loaded). Everything runs in this one process through Django's WSGI handler (every middleware), on the
same cluster settings as the rest of the suite:

- task generation for the whole district (a campaign over every village, ``campaign_split``: reading plates and
  hints, planning, writing tasks and stops), three runs, target ≤ 10 s;
- the offline package of an 80-stop task as the field app downloads it (stops, plates, hints and the
  surroundings drawn on its offline map: footprints and neighbouring plates), bytes as transferred with gzip, app
  shell excluded (cached once), target ≤ 1 MB, and its time;
- one sync request of 500 findings without photos (server time, target ≤ 2 s), and the same request again;
- photo uploads (1600 × 1200 JPEGs as the app sends them after compressing on the device): photos per second;
- the supervisor's map of all tasks (GeoJSON of every task outline), p95 of 20 reads;
- the office dashboard's progress per village over the whole campaign, p95 of 20 reads.
Prints one JSON object on stdout.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import secrets
import statistics
import sys
import time
import uuid

import django

RUNS = 3
MAP_READS = 20
PHOTOS = 20


def pct(samples: list[float]) -> dict[str, float]:
    q = statistics.quantiles(sorted(samples), n=100, method="inclusive")
    return {"n": len(samples), "p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000}


def main() -> None:
    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone
    from PIL import Image

    from geo_portal.accounts.services import staff_create
    from geo_portal.areas.models import District, Village
    from geo_portal.census.models import Task
    from geo_portal.census.office.selectors import village_progress
    from geo_portal.census.services import campaign_create, campaign_set_status, campaign_split, task_claim

    settings.ALLOWED_HOSTS = ["*"]
    district = District.objects.get(code="10018010")
    # Random passwords: the clients below sign in with force_login.
    sup, _ = staff_create(actor=None, username="bench-sup", roles=["census_supervisor"], password=secrets.token_urlsafe(18))
    sur, _ = staff_create(actor=None, username="bench-sur", roles=["surveyor"], password=secrets.token_urlsafe(18))
    villages = list(Village.objects.filter(district=district, boundary__isnull=False))
    today = timezone.localdate()
    split_s = []
    for run in range(RUNS):
        # A new campaign each run, as a supervisor starts one (planning, hints, writing tasks and stops).
        campaign = campaign_create(
            name=f"bench {run}", district=district, villages=villages, starts_on=today - dt.timedelta(days=1),
            ends_on=today + dt.timedelta(days=30), created_by=sup, max_tasks_per_surveyor=12,
        )  # fmt: skip
        start = time.perf_counter()
        summary = campaign_split(campaign_id=campaign.pk, actor=sup)
        split_s.append(time.perf_counter() - start)
    campaign_set_status(campaign_id=campaign.pk, status="active", actor=sup)
    out: dict = {
        "split": {
            "runs_s": split_s,
            "best_s": min(split_s),
            "worst_s": max(split_s),
            "tasks": summary.tasks,
            "stops": summary.stops,
            "plates": summary.plates,
            "hints": summary.hints,
        }
    }

    # The largest task at or below 80 stops (the target size's upper end).
    task = Task.objects.filter(campaign=campaign, stop_count__lte=80).order_by("-stop_count", "number").first()
    task_claim(task_id=task.pk, user=sur)
    device = str(uuid.uuid4())
    surveyor = Client(HTTP_ACCEPT_ENCODING="gzip", HTTP_X_FIELD_DEVICE=device)
    surveyor.force_login(sur)
    start = time.perf_counter()
    response = surveyor.get(reverse("census_field:package", args=[task.pk]))
    package_s = time.perf_counter() - start
    body = response.content
    gz = body if response.get("Content-Encoding") == "gzip" else gzip.compress(body)
    package = json.loads(gzip.decompress(gz) if response.get("Content-Encoding") == "gzip" else body)
    out["package"] = {
        "task_stops": task.stop_count,
        "task_plates": task.plate_count,
        "json_bytes": len(body),
        "json_gzip_bytes": len(gz),
        "gzip_by_server": response.get("Content-Encoding") == "gzip",
        "buildings": len(package.get("surroundings", {}).get("buildings", {}).get("features", []))
        if isinstance(package.get("surroundings", {}).get("buildings"), dict)
        else None,
        "package_s": package_s,
    }

    # 500 findings without photos: every plate of the claimed task and of further tasks, "ok" or "missing".
    records = []
    now = timezone.now()
    more = Task.objects.filter(campaign=campaign, state="ready").exclude(pk=task.pk).order_by("number")
    claimed = [task]
    for extra in more[:10]:
        claimed.append(task_claim(task_id=extra.pk, user=sur))
    for t in claimed:
        for stop in t.stops.order_by("seq"):
            for plate_id in stop.plate_ids:
                if len(records) < 500:
                    records.append(
                        {"uuid": str(uuid.uuid4()), "task": t.pk, "stop": stop.pk, "plate": plate_id, "plate_version": 1,
                         "kind": "ok" if len(records) % 7 else "missing", "observed_at": now.isoformat()}
                    )  # fmt: skip
    payload = json.dumps({"device": device, "findings": records, "submit": []})
    sync_url = reverse("census_field:sync")
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        answer = surveyor.post(sync_url, payload, content_type="application/json")
        timings.append(time.perf_counter() - start)
    result = answer.json()
    out["sync"] = {
        "findings": len(records),
        "first_s": timings[0],
        "resend_s": timings[1],
        "resend_duplicates": result.get("duplicates"),
        "status": answer.status_code,
    }

    # Photos: one per finding, as the device sends them (a 1600 × 1200 JPEG).
    buffer = io.BytesIO()
    Image.effect_noise((1600, 1200), 40).convert("RGB").save(buffer, "JPEG", quality=80)
    photo = buffer.getvalue()
    photo_records = [
        {**r, "uuid": str(uuid.uuid4()), "has_photo": True, "observed_at": timezone.now().isoformat()}
        for r in records[:PHOTOS]
    ]
    surveyor.post(
        sync_url, json.dumps({"device": str(uuid.uuid4()), "findings": photo_records}), content_type="application/json"
    )
    start = time.perf_counter()
    for r in photo_records:
        url = reverse("census_field:photo", args=[r["uuid"]])
        response = surveyor.post(url, {"photo": SimpleUploadedFile("photo.jpg", photo, content_type="image/jpeg")})
        assert response.status_code == 200, response.content
    photo_s = time.perf_counter() - start
    out["photos"] = {"n": PHOTOS, "bytes_each": len(photo), "seconds": photo_s, "per_s": PHOTOS / photo_s}

    supervisor = Client(HTTP_ACCEPT_ENCODING="gzip")
    supervisor.force_login(sup)
    map_url = reverse("census:campaign-tasks-geojson", args=[campaign.pk])
    samples = []
    for _ in range(MAP_READS):
        start = time.perf_counter()
        response = supervisor.get(map_url)
        samples.append(time.perf_counter() - start)
    out["supervisor_map"] = {**pct(samples), "tasks": summary.tasks, "bytes": len(response.content)}
    # The office dashboard's per-village progress over the whole campaign (moved here from a unit test's timing).
    samples = []
    for _ in range(MAP_READS):
        start = time.perf_counter()
        progress = village_progress(campaign.pk)
        samples.append(time.perf_counter() - start)
    out["village_progress"] = {**pct(samples), "villages": len(progress), "stops": sum(v.stops for v in progress)}
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
