"""Findings from the field: idempotent batch sync from devices (and paper sheets), photos, device revocation.

``sync_findings`` takes a batch as the field app queued it and answers per record: ``stored``,
``duplicate`` (the same UUID and contents again: nothing changes) or ``error`` with the field and reason. Every
record is checked on its own, so one bad record never costs the others; the valid ones are stored together. A
finding based on a plate version that is no longer current is stored and flagged as a conflict, never applied.
A revoked device is refused as a whole and told to wipe. Out-of-order arrival is handled: of two findings for
one plate, the later observation stands and the earlier is marked superseded, whichever arrives first. Called
by the field app's API views, the paper key-in form and tests.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from geo_portal.addresses.models import DoorPlate
from geo_portal.census.models import Campaign, FieldDevice, Finding, Stop, Task
from geo_portal.census.services import FIELDWORK, CensusRefused, task_submit
from geo_portal.census.sql import SUPERSEDE_SQL
from geo_portal.core.geo import in_taiwan, to_storage
from geo_portal.reports.photo import PhotoRejected, process_photo

MAX_BATCH = 1000
# A device clock may run a little fast; a finding from further in the future is refused.
CLOCK_SKEW = dt.timedelta(minutes=10)
NEEDS_POINT = {Finding.Kind.WRONG_POSITION, Finding.Kind.UNREGISTERED, Finding.Kind.NO_PLATE}
NEEDS_WRITTEN = {Finding.Kind.NUMBER_DIFFERS, Finding.Kind.UNREGISTERED}
WITHOUT_PLATE = {Finding.Kind.UNREGISTERED, Finding.Kind.NO_PLATE}
TEXT_LIMITS = {"written_address": 160, "skip_reason": 200, "note": 1000}


class DeviceRevoked(Exception):
    """The device's access was revoked by a supervisor: the whole sync is refused and the device must wipe."""


@dataclass
class RecordResult:
    uuid: str
    status: str  # "stored" | "duplicate" | "error"
    errors: dict[str, str] = field(default_factory=dict)
    conflict: bool = False
    photo_needed: bool = False
    superseded: bool = False

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"uuid": self.uuid, "status": self.status}
        if self.errors:
            out["errors"] = self.errors
        if self.status != "error":
            out.update(conflict=self.conflict, photo_needed=self.photo_needed, superseded=self.superseded)
        return out


@dataclass
class SyncResult:
    records: list[RecordResult]
    submitted: dict[int, str] = field(default_factory=dict)  # task id → "submitted" or the reason it was not

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": [r.as_dict() for r in self.records],
            "stored": sum(r.status == "stored" for r in self.records),
            "duplicates": sum(r.status == "duplicate" for r in self.records),
            "errors": sum(r.status == "error" for r in self.records),
            "submitted": {str(k): v for k, v in self.submitted.items()},
        }


class _Invalid(Exception):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.errors = {name: reason}


def payload_hash(record: dict[str, Any]) -> str:
    """A stable hash of a record's contents (keys sorted), to tell a resend from a tampered replay."""
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def device_for(*, user: AbstractBaseUser, device_uuid: str, user_agent: str = "") -> FieldDevice:
    """The user's device record (created on first contact); ``DeviceRevoked`` when a supervisor revoked it."""
    try:
        key = uuidlib.UUID(str(device_uuid))
    except ValueError:
        raise CensusRefused(_("device: %(value)r is not a device id (UUID)") % {"value": str(device_uuid)[:60]}) from None
    device, _created = FieldDevice.objects.get_or_create(uuid=key, user=user, defaults={"user_agent": user_agent[:200]})
    if device.revoked_at is not None:
        raise DeviceRevoked(
            _("This device's access was revoked on %(when)s: its census data must be wiped.")
            % {"when": timezone.localtime(device.revoked_at).strftime("%Y-%m-%d %H:%M")}
        )
    FieldDevice.objects.filter(pk=device.pk).update(last_seen=timezone.now())
    return device


@transaction.atomic
def device_revoke(*, device_id: int, actor: AbstractBaseUser) -> FieldDevice:
    """A supervisor revokes a device: its next sync is refused and told to wipe its tasks."""
    if not (actor.is_active and actor.has_perm("accounts.supervise_census")):
        raise CensusRefused(_("%(user)s may not revoke field devices.") % {"user": actor.get_username()})
    device = FieldDevice.objects.select_for_update().get(pk=device_id)
    if device.revoked_at is None:
        device.revoked_at, device.revoked_by = timezone.now(), actor
        device.save(update_fields=["revoked_at", "revoked_by"])
    return device


def sync_findings(
    *,
    user: AbstractBaseUser,
    device: FieldDevice | None,
    records: list[Any],
    submit: list[Any] = (),
    source: str = Finding.Source.DEVICE,
    now: dt.datetime | None = None,
) -> SyncResult:
    """Store a batch of findings, then submit the tasks asked for.

    Set-based: the tasks, stops, plates and already-received UUIDs of the whole batch are read in four queries,
    every record is checked in Python, the new findings are inserted in one statement and superseded ones marked
    in one more. Should the insert collide with a concurrent sync of the same UUIDs, the batch falls back to one
    savepoint per record.
    """
    now = now or timezone.now()
    if not (user.is_active and user.has_perm(FIELDWORK)):
        raise CensusRefused(_("%(user)s may not do census field work.") % {"user": user.get_username()})
    if not isinstance(records, list):
        raise CensusRefused(_("findings: must be a list"))
    if len(records) > MAX_BATCH:
        raise CensusRefused(_("findings: at most %(n)d per request (got %(got)d)") % {"n": MAX_BATCH, "got": len(records)})
    lookups = _Lookups.of(records)
    results: list[RecordResult | None] = [None] * len(records)
    pending: dict[uuidlib.UUID, tuple[int, Finding]] = {}
    for index, record in enumerate(records):
        label = _label(record)
        try:
            if not isinstance(record, dict):
                raise _Invalid("record", _("must be an object"))
            key = _uuid(record.get("uuid"))
            label, digest = str(key), payload_hash(record)
            earlier = lookups.existing.get(key) or (pending[key][1] if key in pending else None)
            if earlier is not None:
                results[index] = _resend(earlier, digest, user)
                continue
            finding = _build(
                record, key=key, digest=digest, user=user, device=device, source=source, now=now, lookups=lookups
            )
            pending[key] = (index, finding)
        except _Invalid as exc:
            results[index] = RecordResult(label, "error", exc.errors)
    _store(pending, results, records, user=user, device=device, source=source, now=now)
    result = SyncResult([r for r in results if r is not None])
    for task_id in submit if isinstance(submit, list) else []:
        try:
            task_submit(task_id=int(task_id), user=user, now=now)
            result.submitted[int(task_id)] = "submitted"
        except (CensusRefused, TypeError, ValueError) as exc:
            if isinstance(task_id, int | str) and str(task_id).isdigit():
                result.submitted[int(task_id)] = str(exc)
    return result


def _label(record: Any) -> str:
    raw = record.get("uuid") if isinstance(record, dict) else None
    return str(raw)[:40] if raw is not None else ""


def _store(pending, results, records, *, user, device, source, now) -> None:
    """Insert the checked findings in one statement and mark superseded ones; per record on a collision."""
    if not pending:
        return
    try:
        with transaction.atomic():
            created = Finding.objects.bulk_create([finding for _index, finding in pending.values()])
            superseded = supersede(created)
    except IntegrityError:
        # A concurrent sync stored some of these UUIDs first: one savepoint per record sorts it out.
        for index, _finding in pending.values():
            results[index] = _one(records[index], user=user, device=device, source=source, now=now)
        return
    for index, finding in pending.values():
        results[index] = RecordResult(
            str(finding.uuid), "stored", conflict=finding.conflict, photo_needed=finding.photo_expected,
            superseded=finding.pk in superseded,
        )  # fmt: skip


def _one(record: Any, *, user, device, source: str, now: dt.datetime) -> RecordResult:
    """One record in its own savepoint (the fallback when a batch insert collided)."""
    label = _label(record)
    try:
        key = _uuid(record.get("uuid"))
        label, digest = str(key), payload_hash(record)
        existing = Finding.objects.filter(uuid=key).first()
        if existing is not None:
            return _resend(existing, digest, user)
        lookups = _Lookups.of([record])
        with transaction.atomic():
            finding = _build(
                record, key=key, digest=digest, user=user, device=device, source=source, now=now, lookups=lookups
            )
            finding.save()
            superseded = supersede([finding])
        return RecordResult(
            label,
            "stored",
            conflict=finding.conflict,
            photo_needed=finding.photo_expected,
            superseded=finding.pk in superseded,
        )
    except _Invalid as exc:
        return RecordResult(label, "error", exc.errors)
    except IntegrityError:
        existing = Finding.objects.filter(uuid=label).first()
        if existing is not None:
            return _resend(existing, payload_hash(record), user)
        return RecordResult(label, "error", {"record": _("could not be stored; send it again")})


def _resend(existing: Finding, digest: str, user) -> RecordResult:
    if existing.surveyor_id != user.pk:
        return RecordResult(str(existing.uuid), "error", {"uuid": _("belongs to another surveyor's finding")})
    if existing.payload_hash != digest:
        return RecordResult(
            str(existing.uuid),
            "error",
            {"uuid": _("was already received with different contents; the first version is kept")},
        )
    return RecordResult(
        str(existing.uuid),
        "duplicate",
        conflict=existing.conflict,
        photo_needed=existing.photo_expected and not existing.photo,
        superseded=existing.review == Finding.Review.SUPERSEDED,
    )


def _uuid(value: Any) -> uuidlib.UUID:
    if not isinstance(value, str):
        raise _Invalid("uuid", _("is required (a UUID made on the device)"))
    try:
        return uuidlib.UUID(value)
    except ValueError:
        raise _Invalid("uuid", _("%(value)r is not a UUID") % {"value": value[:60]}) from None


def _int(record: dict, name: str, *, required: bool = True) -> int | None:
    value = record.get(name)
    if value is None:
        if required:
            raise _Invalid(name, _("is required"))
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 2**53:
        raise _Invalid(name, _("must be a whole number (got %(value)r)") % {"value": str(value)[:40]})
    return value


def _text(record: dict, name: str) -> str:
    value = record.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Invalid(name, _("must be text"))
    value = value.strip()
    if len(value) > TEXT_LIMITS[name]:
        raise _Invalid(name, _("is longer than %(n)d characters") % {"n": TEXT_LIMITS[name]})
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise _Invalid(name, _("contains control characters"))
    return value


def _observed_at(record: dict, campaign: Campaign, now: dt.datetime) -> dt.datetime:
    value = record.get("observed_at")
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise _Invalid("observed_at", _("must be a date and time with its offset (ISO 8601)"))
    if timezone.is_naive(parsed):
        raise _Invalid("observed_at", _("must carry its time-zone offset"))
    if parsed > now + CLOCK_SKEW:
        raise _Invalid("observed_at", _("lies in the future (%(value)s); check the device clock") % {"value": value})
    start = dt.datetime.combine(campaign.starts_on, dt.time.min, tzinfo=timezone.get_current_timezone())
    if parsed < start - dt.timedelta(days=1):
        raise _Invalid("observed_at", _("is before the campaign started (%(date)s)") % {"date": campaign.starts_on})
    return parsed


def _point(record: dict, district, lookups: _Lookups) -> tuple[Point, float | None]:
    value = record.get("point")
    if not isinstance(value, dict):
        raise _Invalid("point", _('is required for this finding: {"lon": …, "lat": …}'))
    lon, lat = value.get("lon"), value.get("lat")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (lon, lat)):
        raise _Invalid("point", _("lon and lat must be numbers"))
    if not in_taiwan(float(lon), float(lat)):
        raise _Invalid("point", _("(%(lon)s, %(lat)s) is not in Taiwan") % {"lon": lon, "lat": lat})
    point = to_storage(Point(float(lon), float(lat), srid=4326))
    if lookups.outside(district, point):
        raise _Invalid("point", _("lies outside %(district)s") % {"district": district.name})
    accuracy = value.get("accuracy")
    if accuracy is not None and (
        isinstance(accuracy, bool) or not isinstance(accuracy, int | float) or not 0 <= accuracy < 100_000
    ):
        raise _Invalid("point", _("accuracy must be a number of metres"))
    return point, (float(accuracy) if accuracy is not None else None)


@dataclass
class _Lookups:
    """Everything a batch refers to, read once: tasks, stops, plates, already-received findings, boundaries."""

    tasks: dict[int, Task]
    stops: dict[int, Stop]
    plates: dict[int, DoorPlate]
    existing: dict[uuidlib.UUID, Finding]
    prepared: dict[int, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, records: list[Any]) -> _Lookups:
        dicts = [r for r in records if isinstance(r, dict)]

        def ids(name: str) -> set[int]:
            return {r[name] for r in dicts if isinstance(r.get(name), int) and not isinstance(r.get(name), bool)}

        keys = set()
        for r in dicts:
            with contextlib.suppress(KeyError, TypeError, ValueError, AttributeError):
                keys.add(uuidlib.UUID(r["uuid"]))
        tasks = Task.objects.select_related("campaign__district", "assignee").filter(pk__in=ids("task"))
        stops = Stop.objects.only("id", "task_id", "plate_ids").filter(pk__in=ids("stop"))
        plates = DoorPlate.objects.only("id", "version", "status", "updated_at", "updated_by").filter(pk__in=ids("plate"))
        return cls(
            tasks={t.pk: t for t in tasks},
            stops={s.pk: s for s in stops},
            plates={p.pk: p for p in plates},
            existing={f.uuid: f for f in Finding.objects.filter(uuid__in=keys)},
        )

    def outside(self, district, point: Point) -> bool:
        """The point lies further than the tolerance outside the district (prepared geometry, once per batch)."""
        if district.boundary is None:
            return False
        if district.pk not in self.prepared:
            self.prepared[district.pk] = district.boundary.prepared
        if self.prepared[district.pk].covers(point):
            return False
        return district.boundary.distance(point) > float(settings.PLATE_DISTRICT_TOLERANCE_M)


def _build(record: dict, *, key, digest: str, user, device, source: str, now: dt.datetime, lookups: _Lookups) -> Finding:
    kind = record.get("kind")
    if kind not in Finding.Kind.values:
        raise _Invalid("kind", _("must be one of %(kinds)s") % {"kinds": ", ".join(Finding.Kind.values)})
    task = _task(record, user, lookups)
    stop = _stop(record, task, lookups, required=kind not in WITHOUT_PLATE)
    plate, version, conflict_note = _plate(record, stop, kind, lookups)
    finding = Finding(
        uuid=key,
        task=task,
        stop=stop,
        plate=plate,
        plate_version=version,
        kind=kind,
        observed_at=_observed_at(record, task.campaign, now),
        surveyor=user,
        device=device,
        source=source,
        payload_hash=digest,
        written_address=_text(record, "written_address"),
        skip_reason=_text(record, "skip_reason"),
        note=_text(record, "note"),
        photo_expected=bool(record.get("has_photo", False)),
        conflict=bool(conflict_note),
        conflict_note=conflict_note,
    )
    if kind == Finding.Kind.SKIPPED and not finding.skip_reason:
        raise _Invalid("skip_reason", _("say why the stop was skipped (no access, …)"))
    if kind in NEEDS_WRITTEN and not finding.written_address:
        raise _Invalid("written_address", _("write the address as it is on the plate"))
    if kind in NEEDS_POINT or record.get("point") is not None:
        finding.point, finding.accuracy_m = _point(record, task.campaign.district, lookups)
    if not isinstance(record.get("has_photo", False), bool):
        raise _Invalid("has_photo", _("must be true or false"))
    return finding


def _task(record: dict, user, lookups: _Lookups) -> Task:
    task_id = _int(record, "task")
    task = lookups.tasks.get(task_id)
    if task is None:
        raise _Invalid("task", _("there is no task %(id)s") % {"id": task_id})
    if task.state == Task.State.CLAIMED and task.assignee_id != user.pk:
        raise _Invalid(
            "task", _("task #%(n)s is claimed by %(user)s") % {"n": task.number, "user": task.assignee.get_username()}
        )
    if task.state in (Task.State.VALIDATED, Task.State.SPLIT):
        raise _Invalid(
            "task",
            _("task #%(n)s is %(state)s: it takes no more findings") % {"n": task.number, "state": task.get_state_display()},
        )
    if task.state != Task.State.CLAIMED and task.last_assignee_id != user.pk:
        raise _Invalid("task", _("task #%(n)s is not yours: claim it first") % {"n": task.number})
    if task.campaign.status == Campaign.Status.CLOSED:
        raise _Invalid("task", _("campaign %(name)s is closed") % {"name": task.campaign.name})
    return task


def _stop(record: dict, task: Task, lookups: _Lookups, *, required: bool) -> Stop | None:
    stop_id = _int(record, "stop", required=required)
    if stop_id is None:
        return None
    stop = lookups.stops.get(stop_id)
    if stop is None or stop.task_id != task.pk:
        raise _Invalid("stop", _("stop %(id)s is not on task #%(n)s") % {"id": stop_id, "n": task.number})
    return stop


def _plate(record: dict, stop: Stop | None, kind: str, lookups: _Lookups) -> tuple[DoorPlate | None, int | None, str]:
    plate_id = _int(record, "plate", required=kind not in WITHOUT_PLATE)
    if plate_id is None:
        return None, None, ""
    if stop is None or plate_id not in stop.plate_ids:
        raise _Invalid("plate", _("door plate %(id)s is not at this stop") % {"id": plate_id})
    plate = lookups.plates.get(plate_id)
    if plate is None:
        raise _Invalid("plate", _("there is no door plate %(id)s") % {"id": plate_id})
    version = _int(record, "plate_version")
    if version != plate.version or plate.status != DoorPlate.Status.ACTIVE:
        when = timezone.localtime(plate.updated_at).strftime("%Y-%m-%d %H:%M")
        note = _("the plate changed since it was downloaded: version %(seen)s → %(now)s by %(who)s at %(when)s") % {
            "seen": version,
            "now": plate.version,
            "who": plate.updated_by or "—",
            "when": when,
        }
        if plate.status != DoorPlate.Status.ACTIVE:
            note += _(" (now retired)")
        return plate, version, note[:300]
    return plate, version, ""


def supersede(findings: list[Finding]) -> set[int]:
    """Of the pending findings for one plate in a task, the latest observation stands and the others are marked
    superseded — whichever arrived first (one statement for the plates of ``findings``); returns the ids of
    ``findings`` that arrived late and are superseded themselves."""
    pairs = sorted({(f.task_id, f.plate_id) for f in findings if f.plate_id is not None})
    if not pairs:
        return set()
    with connection.cursor() as cur:
        cur.execute(SUPERSEDE_SQL, [[t for t, _p in pairs], [p for _t, p in pairs]])
        marked = {row[0] for row in cur.fetchall()}
    return marked & {f.pk for f in findings}


def attach_photo(*, user: AbstractBaseUser, finding_uuid: str, upload: IO[bytes]) -> Finding:
    """Store the photo of a finding (checked, re-encoded without metadata); sending the same photo again is a
    no-op, another photo for a finding that has one is refused."""
    try:
        key = uuidlib.UUID(str(finding_uuid))
    except ValueError:
        raise CensusRefused(_("%(value)r is not a finding id (UUID)") % {"value": str(finding_uuid)[:60]}) from None
    finding = Finding.objects.filter(uuid=key).first()
    if finding is None:
        raise CensusRefused(_("Finding %(uuid)s has not arrived yet: sync the findings first.") % {"uuid": key})
    if finding.surveyor_id != user.pk:
        raise CensusRefused(_("Finding %(uuid)s belongs to another surveyor.") % {"uuid": key})
    try:
        photo = process_photo(upload, keep_location=False)
    except PhotoRejected as exc:
        raise CensusRefused(exc.message) from None
    digest = hashlib.sha256(photo.content).hexdigest()
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        if finding.photo:
            if finding.photo_sha256 == digest:
                return finding
            raise CensusRefused(_("Finding %(uuid)s already has another photo.") % {"uuid": key})
        finding.photo.save(f"{key}.{photo.extension}", ContentFile(photo.content), save=False)
        finding.photo_sha256 = digest
        finding.photo_expected = True
        finding.save(update_fields=["photo", "photo_sha256", "photo_expected"])
    return finding
