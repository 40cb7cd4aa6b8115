"""Findings sync: per-record answers, idempotent resends, tampered replays, conflicts, out-of-order arrival,
late findings after a lapsed claim, photos, revoked devices."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.utils import timezone
from PIL import Image

from geo_portal.addresses.plates import plate_set_condition
from geo_portal.census.models import FieldDevice, Finding
from geo_portal.census.services import CensusRefused, release_lapsed_claims, task_claim
from geo_portal.census.sync import DeviceRevoked, attach_photo, device_for, device_revoke, sync_findings
from geo_portal.core.geo import transform_point
from tests.census.conftest import along

NOW = timezone.make_aware(dt.datetime(2026, 11, 10, 9, 0))


def uid(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


@pytest.fixture
def claimed(campaign, staff):
    task = task_claim(task_id=campaign.tasks.get(number=1).pk, user=staff["surveyor"], now=NOW)
    stops = list(task.stops.order_by("seq"))
    return {"task": task, "stops": stops, "user": staff["surveyor"]}


def record(c, n: int, stop: int = 0, plate: int = 0, **kw) -> dict:
    s = c["stops"][stop]
    return {"uuid": uid(n), "task": c["task"].pk, "stop": s.pk, "plate": s.plate_ids[plate], "plate_version": 1,
            "kind": "ok", "observed_at": (NOW + dt.timedelta(minutes=n)).isoformat(), **kw}  # fmt: skip


def lonlat(number: int) -> dict:
    p = transform_point(along(number), 4326)
    return {"lon": p.x, "lat": p.y, "accuracy": 4.5}


def sync(c, records, **kw):
    return sync_findings(user=c["user"], device=None, records=records, now=NOW + dt.timedelta(hours=1), **kw).as_dict()


def test_a_batch_answers_per_record_and_applies_the_valid_ones(claimed):
    c = claimed
    records = [
        record(c, 1),
        record(c, 2, stop=1, kind="wrong_position", point=lonlat(4)),
        record(c, 3, stop=2, kind="missing", note="只剩螺絲"),
        record(c, 4, stop=2, plate=1, kind="number_differs"),  # no written address
        record(c, 5, stop=1, kind="wrong_position", point={"lon": 121.0, "lat": 20.0}),
        record(c, 6, kind="flying"),
        {"uuid": "not-a-uuid"},
        record(c, 8, stop=0, plate=0, task=c["task"].pk + 999),
        record(c, 9, observed_at=(NOW + dt.timedelta(days=2)).isoformat()),
        record(c, 10, observed_at="2026-11-10 09:00"),
        {
            "uuid": uid(11),
            "task": c["task"].pk,
            "kind": "unregistered",
            "written_address": "光復路二段13號",
            "point": lonlat(13),
            "observed_at": NOW.isoformat(),
        },
        record(c, 12, kind="skipped", stop=1),
        "nonsense",
    ]
    out = sync(c, records)
    assert [(r["uuid"], r["status"], r.get("errors")) for r in out["records"]] == [
        (uid(1), "stored", None),
        (uid(2), "stored", None),
        (uid(3), "stored", None),
        (uid(4), "error", {"written_address": "write the address as it is on the plate"}),
        (uid(5), "error", {"point": "(121.0, 20.0) is not in Taiwan"}),
        (uid(6), "error", {"kind": "must be one of ok, missing, damaged, old_style, wrong_position, number_differs, "
                                   "unregistered, no_plate, skipped"}),
        ("not-a-uuid", "error", {"uuid": "'not-a-uuid' is not a UUID"}),
        (uid(8), "error", {"task": f"there is no task {c['task'].pk + 999}"}),
        (uid(9), "error", {"observed_at": "lies in the future (2026-11-12T09:00:00+08:00); check the device clock"}),
        (uid(10), "error", {"observed_at": "must carry its time-zone offset"}),
        (uid(11), "stored", None),
        (uid(12), "error", {"skip_reason": "say why the stop was skipped (no access, …)"}),
        ("", "error", {"record": "must be an object"}),
    ]  # fmt: skip
    assert (out["stored"], out["duplicates"], out["errors"]) == (4, 0, 9)
    assert Finding.objects.count() == 4
    moved = Finding.objects.get(uuid=uid(2))
    assert (round(moved.point.distance(along(4)), 3), moved.accuracy_m) == (0.0, 4.5)


def test_resend_changes_nothing_and_a_tampered_replay_is_refused(claimed):
    c = claimed
    first = sync(c, [record(c, 1), record(c, 2, stop=1)])
    assert first["stored"] == 2
    again = sync(c, [record(c, 1), record(c, 2, stop=1)])
    assert [(r["status"], r["conflict"]) for r in again["records"]] == [("duplicate", False), ("duplicate", False)]
    tampered = sync(c, [record(c, 1, kind="missing")])
    assert tampered["records"] == [
        {"uuid": uid(1), "status": "error",
         "errors": {"uuid": "was already received with different contents; the first version is kept"}}
    ]  # fmt: skip
    assert list(Finding.objects.order_by("uuid").values_list("kind", flat=True)) == ["ok", "ok"]


def test_a_plate_changed_on_the_server_makes_a_conflict_not_a_loss(claimed):
    c = claimed
    plate_id = c["stops"][0].plate_ids[0]
    plate_set_condition(plate_id=plate_id, version=1, condition="damaged", checked_on=dt.date(2026, 11, 9), actor="clerk1")
    out = sync(c, [record(c, 1, kind="missing")])
    assert out["records"][0] == {"uuid": uid(1), "status": "stored", "conflict": True, "photo_needed": False,
                                 "superseded": False}  # fmt: skip
    finding = Finding.objects.get(uuid=uid(1))
    assert finding.conflict_note.startswith("the plate changed since it was downloaded: version 1 → 2 by clerk1 at ")


def test_out_of_order_arrival_keeps_the_latest_observation(claimed):
    c = claimed
    later = record(c, 20, kind="missing")
    earlier = record(c, 5, kind="ok")
    assert sync(c, [later])["records"][0]["superseded"] is False
    assert sync(c, [earlier])["records"][0]["superseded"] is True
    assert dict(Finding.objects.values_list("kind", "review")) == {"missing": "pending", "ok": "superseded"}


def test_claimed_by_someone_else_is_an_error_per_finding_but_late_findings_of_the_last_holder_are_kept(claimed, staff):
    c = claimed
    release_lapsed_claims(now=NOW + dt.timedelta(hours=9))
    late = sync_findings(user=c["user"], device=None, records=[record(c, 1)], now=NOW + dt.timedelta(hours=10))
    assert late.records[0].status == "stored"
    task_claim(task_id=c["task"].pk, user=staff["surveyor2"], now=NOW + dt.timedelta(hours=10))
    refused = sync_findings(user=c["user"], device=None, records=[record(c, 2, stop=1)], now=NOW + dt.timedelta(hours=10))
    assert refused.records[0].errors == {"task": "task #1 is claimed by sur2"}


def test_revoked_device_is_refused_and_told_to_wipe(claimed, staff):
    device = device_for(user=claimed["user"], device_uuid=uid(99), user_agent="Mobile Safari")
    assert device_for(user=claimed["user"], device_uuid=uid(99)).pk == device.pk
    with pytest.raises(CensusRefused) as err:
        device_revoke(device_id=device.pk, actor=claimed["user"])
    assert str(err.value) == "sur1 may not revoke field devices."
    device_revoke(device_id=device.pk, actor=staff["supervisor"])
    with pytest.raises(DeviceRevoked) as err:
        device_for(user=claimed["user"], device_uuid=uid(99))
    assert str(err.value).startswith("This device's access was revoked on ")
    assert FieldDevice.objects.get().revoked_by == staff["supervisor"]


def jpeg(color=(200, 30, 30)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


def test_photo_arrives_once_and_then_the_finding_counts_as_synced(claimed, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    c = claimed
    out = sync(c, [record(c, 1, kind="damaged", has_photo=True)])
    assert out["records"][0]["photo_needed"] is True
    finding = Finding.objects.get()
    assert finding.synced is False
    with pytest.raises(CensusRefused) as err:
        attach_photo(user=c["user"], finding_uuid=uid(2), upload=jpeg())
    assert str(err.value) == f"Finding {uid(2)} has not arrived yet: sync the findings first."
    attach_photo(user=c["user"], finding_uuid=uid(1), upload=jpeg())
    again = attach_photo(user=c["user"], finding_uuid=uid(1), upload=jpeg())
    assert (
        again.synced is True
        and again.photo.name == f"census/{again.photo.name.split('/')[1]}/{again.photo.name.split('/')[2]}/{uid(1)}.jpg"
    )
    with pytest.raises(CensusRefused) as err:
        attach_photo(user=c["user"], finding_uuid=uid(1), upload=jpeg((0, 0, 255)))
    assert str(err.value) == f"Finding {uid(1)} already has another photo."
    with pytest.raises(CensusRefused) as err:
        attach_photo(user=c["user"], finding_uuid=uid(1), upload=io.BytesIO(b"GIF89a not a photo"))
    assert str(err.value) == "The photo is not a JPEG, PNG or HEIC image."
    assert sync(c, [record(c, 1, kind="damaged", has_photo=True)])["records"][0]["photo_needed"] is False


def test_one_batch_with_a_uuid_twice_and_two_observations_of_one_plate(claimed):
    c = claimed
    out = sync(c, [record(c, 30, kind="missing"), record(c, 30, kind="missing"), record(c, 30, kind="ok"), record(c, 2)])
    assert [(r["status"], r.get("superseded"), r.get("errors")) for r in out["records"]] == [
        ("stored", False, None),
        ("duplicate", False, None),
        ("error", None, {"uuid": "was already received with different contents; the first version is kept"}),
        ("stored", True, None),  # observed at 09:02, before the 09:30 finding of the same plate
    ]
    assert sorted(Finding.objects.values_list("kind", "review")) == [("missing", "pending"), ("ok", "superseded")]
