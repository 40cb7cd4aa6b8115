"""The visit sheet's device side on the server: devices (registered by the UUID their app made, revoked by a
planner), the key that encrypts a round on a device, and the idempotent sync of visit results.

``sync_results`` answers per record — ``stored``, ``duplicate`` (same UUID and contents: nothing changes) or
``error`` with the field and reason (unknown stop, a stop of someone else's round, a bad outcome or time, a UUID
replayed with other contents: the first version stays) — each record in its own savepoint, so a bad one never
costs the others. Of two results for one stop the later observation stands, whichever arrives first. A result
that leads to a registration case opens a registry draft (``cases``). Called by the field API and tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from geo_portal.homevisits import cases
from geo_portal.homevisits.errors import DeviceRevoked, HomeVisitRefused
from geo_portal.homevisits.models import DayPlan, PlanStop, VisitDevice, VisitRequest, VisitResult
from geo_portal.homevisits.permissions import may_handle

MAX_BATCH = 500
CLOCK_SKEW = dt.timedelta(minutes=10)
# A device may still sync a round's results (and fetch its key for that) this long after the round's day.
SYNC_GRACE_DAYS = 7
OUTCOMES = (PlanStop.Outcome.DONE, PlanStop.Outcome.NOT_HOME, PlanStop.Outcome.POSTPONED)


def device_for(*, user: AbstractBaseUser, device_uuid: str, user_agent: str = "") -> VisitDevice:
    """The user's device (registered on first contact); ``DeviceRevoked`` once a planner revoked it."""
    try:
        key = uuidlib.UUID(str(device_uuid))
    except ValueError:
        raise HomeVisitRefused(
            [("device", _("%(value)r is not a device id (UUID)") % {"value": str(device_uuid)[:60]})]
        ) from None
    device, _created = VisitDevice.objects.get_or_create(uuid=key, user=user, defaults={"user_agent": user_agent[:200]})
    if device.revoked_at is not None:
        raise DeviceRevoked(
            _("This device's access was revoked on %(when)s: its home-visit data must be wiped.")
            % {"when": timezone.localtime(device.revoked_at).strftime("%Y-%m-%d %H:%M")}
        )
    VisitDevice.objects.filter(pk=device.pk).update(last_seen=timezone.now())
    return device


@transaction.atomic
def device_revoke(*, device_id: int, actor: AbstractBaseUser) -> VisitDevice:
    """Revoke a device: it gets no round and no key any more, and is told to wipe what it holds."""
    if not may_handle(actor):
        raise HomeVisitRefused([("user", _("%(user)s may not revoke devices") % {"user": actor.get_username()})])
    device = VisitDevice.objects.select_for_update().filter(pk=device_id).first()
    if device is None:
        raise HomeVisitRefused([("device", _("there is no device %(id)s") % {"id": device_id})])
    if device.revoked_at is None:
        device.revoked_at, device.revoked_by = timezone.now(), actor
        device.save(update_fields=["revoked_at", "revoked_by"])
    return device


def end_of_day(day: dt.date) -> dt.datetime:
    """The moment a round's sheet expires on the device: midnight after its day, local time."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def sheet_key(*, plan: DayPlan, device: VisitDevice) -> bytes:
    """The AES-256 key a device encrypts one round with (32 bytes): derived, never stored, the same for the
    device and round on every request — so results queued before the browser was closed still decrypt — and
    different for every other device, user, round or day."""
    value = f"{plan.pk}|{plan.day.isoformat()}|{device.uuid}|{device.user_id}"
    return salted_hmac("geo_portal.homevisits.sheet_key", value, algorithm="sha256").digest()


def may_download(plan: DayPlan, user: AbstractBaseUser, *, now: dt.datetime | None = None) -> str:
    """Why the user may not take the round on a device now ('' when they may): their own round, not yet over."""
    now = now or timezone.now()
    if plan.visitor_id != user.pk:
        return _("this round is planned for another clerk")
    if now >= end_of_day(plan.day):
        return _("this round's day is over")
    return ""


def may_have_key(plan: DayPlan, user: AbstractBaseUser, *, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if plan.visitor_id != user.pk:
        return _("this round is planned for another clerk")
    if now >= end_of_day(plan.day) + dt.timedelta(days=SYNC_GRACE_DAYS):
        return _("this round's results can no longer be sent from a device")
    return ""


@dataclass
class RecordResult:
    uuid: str
    status: str  # stored | duplicate | error
    errors: dict[str, str] = field(default_factory=dict)
    case: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"uuid": self.uuid, "status": self.status}
        if self.errors:
            out["errors"] = self.errors
        if self.case:
            out["case"] = self.case
        return out


class _Bad(Exception):
    def __init__(self, field_name: str, reason: str) -> None:
        self.field, self.reason = field_name, reason


def _digest(record: dict[str, Any]) -> str:
    keys = ("stop", "outcome", "note", "at", "case_kind")
    return hashlib.sha256(json.dumps([record.get(k) for k in keys], ensure_ascii=False).encode()).hexdigest()


def _checked(record: Any, user: AbstractBaseUser, now: dt.datetime) -> tuple[uuidlib.UUID, PlanStop, dict[str, Any]]:
    if not isinstance(record, dict):
        raise _Bad("record", _("must be an object"))
    try:
        key = uuidlib.UUID(str(record.get("uuid", "")))
    except ValueError:
        raise _Bad("uuid", _("is not a UUID")) from None
    stop_id = record.get("stop")
    if not isinstance(stop_id, int) or isinstance(stop_id, bool):
        raise _Bad("stop", _("must be a stop id"))
    stop = PlanStop.objects.select_related("plan", "request").filter(pk=stop_id).first()
    if stop is None:
        raise _Bad("stop", _("there is no stop %(id)s") % {"id": stop_id})
    if stop.plan.visitor_id != user.pk:
        raise _Bad("stop", _("stop %(id)s is on another clerk's round") % {"id": stop_id})
    outcome = record.get("outcome")
    if outcome not in OUTCOMES:
        raise _Bad("outcome", _("must be one of %(values)s") % {"values": ", ".join(OUTCOMES)})
    note = record.get("note") or ""
    if not isinstance(note, str) or len(note) > 500:
        raise _Bad("note", _("text of at most 500 characters"))
    if outcome == PlanStop.Outcome.POSTPONED and not note.strip():
        raise _Bad("note", _("say why the visit is postponed"))
    at = parse_datetime(str(record.get("at", "")))
    if at is None or timezone.is_naive(at):
        raise _Bad("at", _("must be a time with its zone (ISO 8601)"))
    if at > now + CLOCK_SKEW:
        raise _Bad("at", _("%(at)s is in the future") % {"at": record.get("at")})
    if timezone.localtime(at).date() < stop.plan.day:
        raise _Bad("at", _("%(at)s is before the round's day %(day)s") % {"at": record.get("at"), "day": stop.plan.day})
    case_kind = record.get("case_kind") or ""
    if case_kind and case_kind not in cases.CASE_KINDS:
        raise _Bad("case_kind", _("must be one of %(values)s") % {"values": ", ".join(cases.CASE_KINDS)})
    if case_kind and outcome != PlanStop.Outcome.DONE:
        raise _Bad("case_kind", _("only a visit that was made leads to a registration case"))
    return key, stop, {"outcome": outcome, "note": note.strip(), "at": at, "case_kind": case_kind}


def _apply(stop: PlanStop, values: dict[str, Any]) -> None:
    """The stop and its request take the result unless a later observation is already recorded."""
    at = values["at"]
    if stop.outcome_at is not None and stop.outcome_at > at:
        return
    PlanStop.objects.filter(pk=stop.pk).update(outcome=values["outcome"], outcome_at=at, outcome_note=values["note"])
    request = VisitRequest.objects.select_for_update().get(pk=stop.request_id)
    if request.status == VisitRequest.Status.CANCELLED:
        return
    if values["outcome"] == PlanStop.Outcome.DONE:
        request.status, request.visited_at = VisitRequest.Status.VISITED, at
    else:
        # Not at home or postponed: the request waits for another round.
        request.status, request.visited_at = VisitRequest.Status.OPEN, None
    request.version += 1
    request.updated_by_id, request.updated_at = stop.plan.visitor_id, timezone.now()
    request.save(update_fields=["status", "visited_at", "version", "updated_by", "updated_at"])


def sync_results(*, user: AbstractBaseUser, device: VisitDevice, records: Any) -> list[RecordResult]:
    """Store a batch of visit results as the device queued them; the answer per record."""
    if not may_handle(user):
        raise HomeVisitRefused([("user", _("%(user)s may not make home visits") % {"user": user.get_username()})])
    if not isinstance(records, list):
        raise HomeVisitRefused([("results", _("must be a list"))])
    if len(records) > MAX_BATCH:
        raise HomeVisitRefused([("results", _("at most %(n)d per request") % {"n": MAX_BATCH})])
    now = timezone.now()
    out = []
    for index, record in enumerate(records):
        label = str(record.get("uuid", index)) if isinstance(record, dict) else str(index)
        try:
            with transaction.atomic():
                out.append(_one(record, user, device, now, label))
        except _Bad as bad:
            out.append(RecordResult(label, "error", {bad.field: bad.reason}))
    return out


def _one(record: Any, user: AbstractBaseUser, device: VisitDevice, now: dt.datetime, label: str) -> RecordResult:
    key, stop, values = _checked(record, user, now)
    digest = _digest(record)
    earlier = VisitResult.objects.select_for_update().filter(uuid=key).first()
    if earlier is not None:
        if earlier.digest != digest:
            raise _Bad("uuid", _("%(uuid)s was sent before with other contents; the first version is kept") % {"uuid": key})
        return RecordResult(label, "duplicate", case=_case_state(earlier))
    stop = PlanStop.objects.select_for_update().select_related("plan", "request").get(pk=stop.pk)
    result = VisitResult.objects.create(
        uuid=key,
        stop=stop,
        device=device,
        user=user,
        outcome=values["outcome"],
        note=values["note"],
        observed_at=values["at"],
        case_kind=values["case_kind"],
        digest=digest,
    )
    _apply(stop, values)
    if result.case_kind:
        cases.open_for_result(result=result, actor=user)
    return RecordResult(label, "stored", case=_case_state(result))


def _case_state(result: VisitResult) -> str:
    if not result.case_kind:
        return ""
    return "draft" if result.registration_event_id else "waiting"
