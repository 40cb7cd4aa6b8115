"""Applying many approved registration events at once (a day's move-ins, a data take-over): all or nothing.

``events_apply_batch`` takes ``(event id, version)`` pairs and applies them in one transaction, in the order given,
with the same rules and the same error messages as ``event_apply`` — each event is planned by the same planners
against the register as the earlier events of the batch left it, so two events of one batch naming the same new
national ID or household number are refused just as if they were applied one after the other. What is checked
for the whole batch at once: the registrar's right, the events existing, being approved and unchanged since the
caller read them (one locking read of all events), and the same event twice. If any event is refused, nothing
is applied and ``BatchRefused`` lists every refused event's problems, each field prefixed ``events[i] (#id)``
(events after a refused one are still checked and applied, against the register without the refused one, then
everything is rolled back). Planning writes nothing, so no savepoint is needed per event.

Set-based where it can be: the holders of every newcomer's national ID, the household numbers and the door plates
the events name are looked up in one query each before planning (``checks.Known``, kept up to date as events are
planned, so later events see the earlier ones' new IDs and numbers). An event that only creates rows (a move-in
of newcomers into a new household: persons, a household, its address period, memberships) takes its ids from the
sequences and is written with all such events by COPY; any other event (it changes rows later events may check)
is written at its turn, after the waiting rows. Each applied event is still its own event on the change log's
private channel (one UPDATE per run of ascending ids writes them, in the batch's order, with the cause
``registration_event`` — the entity id names the event), and gets its own step record (one COPY). Measured: see
README (household registration, batch apply).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.addresses.models import DoorPlate
from geo_portal.changes.context import Cause, change_context
from geo_portal.core.db import copy_rows
from geo_portal.registry import crypto, national_id, sql
from geo_portal.registry.details import Birth, MoveIn, from_json
from geo_portal.registry.errors import FieldError, RegistryRefused
from geo_portal.registry.identity import is_synthetic
from geo_portal.registry.models import Household, RegistrationEvent
from geo_portal.registry.services import ops
from geo_portal.registry.services.checks import Known
from geo_portal.registry.services.events import REGISTER, S, _locked, _move, _require
from geo_portal.registry.services.ops import Plan, execute
from geo_portal.registry.services.planners import plan_event

MAX_BATCH = 20_000
ID_CHUNK = 1_000  # ids taken from a sequence at a time
PERSON_COLUMNS = ("id", "national_id_encrypted", "national_id_key", "national_id_hash", "national_id_hash_key", "name",
                  "sex", "birth_date", "synthetic")  # fmt: skip
HOUSEHOLD_COLUMNS = ("id", "number", "kind", "head_id", "plate_id", "period", "synthetic", "version")


class BatchRefused(RegistryRefused):
    """At least one event of the batch was refused; ``errors`` name each event (``events[i] (#id)``) and field."""


@dataclass(frozen=True)
class BatchResult:
    applied: list[int]  # event ids in the order applied


def _prefixed(index: int, event_id: int, errors: list[FieldError]) -> list[FieldError]:
    return [FieldError(f"events[{index}] (#{event_id}).{e.field}", e.reason) for e in errors]


@transaction.atomic
def events_apply_batch(*, events: Sequence[tuple[int, int]], actor: AbstractBaseUser) -> BatchResult:
    """Apply approved events ``[(id, version), ...]`` in order, all in this transaction or none."""
    _require(actor, REGISTER, _("apply registration events"))
    if not events:
        raise RegistryRefused(FieldError("events", _("name at least one event to apply")))
    if len(events) > MAX_BATCH:
        raise RegistryRefused(
            FieldError(
                "events", _("%(count)d events: apply at most %(max)d at once") % {"count": len(events), "max": MAX_BATCH}
            )
        )
    errors: list[FieldError] = []
    first_at: dict[int, int] = {}
    for i, (event_id, _version) in enumerate(events):
        if event_id in first_at:
            errors.append(
                FieldError(
                    f"events[{i}]",
                    _("event #%(id)s is already events[%(first)d]") % {"id": event_id, "first": first_at[event_id]},
                )
            )
        first_at.setdefault(event_id, i)
    if errors:
        raise BatchRefused(errors)
    # One locking read for the whole batch, in id order (as any other locker would take them: no deadlock).
    locked = RegistrationEvent.objects.select_for_update().order_by("pk").in_bulk(list(first_at))
    for i, (event_id, version) in enumerate(events):
        event = locked.get(event_id)
        if event is None or event.version != version:
            try:
                _locked(event_id, version)  # raises with the single apply's message (missing, or who changed it)
            except RegistryRefused as exc:
                errors.extend(_prefixed(i, event_id, exc.errors))
        elif event.status != S.APPROVED:
            try:
                _move(event, "apply", actor)  # refuses with the status named, before writing anything
            except RegistryRefused as exc:
                errors.extend(_prefixed(i, event_id, exc.errors))
    if errors:
        raise BatchRefused(errors)
    # Each event's details read (and its new persons' IDs decrypted) once, for the look-ups and the planning.
    details = {event_id: from_json(event.kind, event.details) for event_id, event in locked.items()}
    known = _look_up(details.values())
    writes = _Writes()
    plans: list[Plan] = []
    for i, (event_id, _version) in enumerate(events):
        event = locked[event_id]
        try:
            # Planning writes nothing, so a refused event needs no savepoint: the events after it are still checked
            # against the register as the earlier applied ones made it, and every problem is reported at once.
            plan = plan_event(
                kind=event.kind,
                details=details[event_id],
                effective_date=event.effective_date,
                declared_on=event.declared_on,
                lock=True,
                known=known,
            )
        except RegistryRefused as exc:
            errors.extend(_prefixed(i, event_id, exc.errors))
            continue
        plans.append(plan)
        try:
            if _only_new_rows(plan):
                writes.defer(plan)  # ids taken now; written with the others by COPY
            else:
                # It changes rows that later events may check (a membership, a head): written now, in order.
                writes.flush()
                execute(plan)
        except IntegrityError as exc:
            # The checks ran under row locks, so this is a write of the same persons that committed in between;
            # the transaction cannot go on, so the batch stops here.
            errors.append(
                FieldError(
                    f"events[{i}] (#{event_id}).event_id",
                    _("the register changed while event #%(id)s was applied; try again") % {"id": event_id},
                )
            )
            raise BatchRefused(errors) from exc
        _remember(known, plan)
    if errors:
        raise BatchRefused(errors)
    try:
        writes.flush()
    except IntegrityError as exc:
        raise BatchRefused([FieldError("events", _("the register changed while the batch was applied; try again"))]) from exc
    _mark_applied([locked[event_id] for event_id, _version in events], plans, actor)
    return BatchResult(applied=[event_id for event_id, _version in events])


# --- looking up at once -------------------------------------------------------------------------------------------


def _look_up(all_details: Iterable) -> Known:
    """One query each for the holders of every newcomer's national ID, the household numbers and the door plates
    the batch's events name."""
    values: set[str] = set()
    numbers: set[str] = set()
    plate_ids: set[int] = set()
    for details in all_details:
        for newcomer in _new_persons(details):
            try:
                values.add(national_id.parse(newcomer.national_id).value)
            except national_id.InvalidNationalId:
                continue  # refused by the planner, with its reason
        new = getattr(details, "new_household", None)
        if new is not None:
            numbers.add(new.number)
            if isinstance(new.plate_id, int):
                plate_ids.add(new.plate_id)
        if isinstance(getattr(details, "plate_id", None), int):
            plate_ids.add(details.plate_id)
    known = Known()
    digests = [digest for value in values for digest in crypto.lookup_hashes(value)]
    with connection.cursor() as cur:
        for chunk in _chunks(digests, 5_000):
            cur.execute(sql.HOLDERS, [chunk])
            known.holders.update((bytes(digest), pk) for digest, pk in cur.fetchall())
    known.numbers.update(Household.objects.filter(number__in=numbers).values_list("number", flat=True))
    known.plates.update(
        DoorPlate.objects.only("pk", "address", "status", "retired_on").in_bulk(list(plate_ids)) if plate_ids else {}
    )
    return known


def _new_persons(details) -> list:
    if isinstance(details, MoveIn):
        return list(details.newcomers)
    if isinstance(details, Birth):
        return [details.child]
    return []


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _remember(known: Known, plan: Plan) -> None:
    """What the planned event adds that later events' checks must see: its new IDs and household numbers."""
    for step in plan.writes:
        if isinstance(step, ops.CreatePerson):
            known.holders[step.secret.hash] = plan.created[step.key]
        elif isinstance(step, ops.CreateHousehold):
            known.numbers.add(step.household.number)


# --- writing at once ------------------------------------------------------------------------------------------------


def _only_new_rows(plan: Plan) -> bool:
    """Does the plan only create rows (persons, households, their memberships)? Nothing a later event of the batch
    checks can then depend on them except through ``Known``, so their writing can wait for one COPY."""
    for step in plan.writes:
        if isinstance(step, ops.OpenMembership):
            if step.person.key is None or step.household.key is None:
                return False
        elif not isinstance(step, ops.CreatePerson | ops.CreateHousehold):
            return False
    return True


def _range(start: dt.date) -> str:
    return f"[{start.isoformat()},)"


@dataclass
class _Writes:
    """Rows of deferred plans, with ids taken from the sequences, written by COPY in ``flush``."""

    persons: list[tuple] = field(default_factory=list)
    households: list[tuple] = field(default_factory=list)
    addresses: list[tuple] = field(default_factory=list)
    memberships: list[tuple] = field(default_factory=list)
    _ids: dict[str, list[int]] = field(default_factory=lambda: {"person": [], "household": []})

    def _next(self, kind: str) -> int:
        pool = self._ids[kind]
        if not pool:
            with connection.cursor() as cur:
                cur.execute(sql.NEXT_PERSON_IDS if kind == "person" else sql.NEXT_HOUSEHOLD_IDS, [ID_CHUNK])
                pool.extend(row[0] for row in reversed(cur.fetchall()))
        return pool.pop()

    def defer(self, plan: Plan) -> None:
        created = plan.created
        for step in plan.writes:  # CreatePerson, CreateHousehold, OpenMembership (``_only_new_rows``)
            if isinstance(step, ops.CreatePerson):
                pk = created[step.key] = self._next("person")
                p, secret = step.person, step.secret
                self.persons.append(
                    (pk, secret.encrypted, secret.key, secret.hash, secret.hash_key, p.name.strip(), p.sex,
                     p.birth_date, is_synthetic(p.national_id))
                )  # fmt: skip
                plan.person_ids.add(pk)
        for step in plan.writes:
            if isinstance(step, ops.CreateHousehold):
                pk = created[step.key] = self._next("household")
                h = step.household
                self.households.append(
                    (pk, h.number, h.kind, created[step.head.key], h.plate_id, _range(step.start), False, 1)
                )
                self.addresses.append((pk, h.plate_id, _range(step.start)))
                plan.household_ids.add(pk)
        for step in plan.writes:
            if isinstance(step, ops.OpenMembership):
                self.memberships.append(
                    (created[step.person.key], created[step.household.key], step.relation, _range(step.start))
                )

    def flush(self) -> None:
        """Persons, households (heads are checked at commit), address periods, memberships — in that order."""
        if not self.persons and not self.households:
            return
        copy_rows("registry_person", PERSON_COLUMNS, self.persons)
        copy_rows("registry_household", HOUSEHOLD_COLUMNS, self.households)
        copy_rows("registry_householdaddress", ("household_id", "plate_id", "valid"), self.addresses)
        copy_rows("registry_membership", ("person_id", "household_id", "relation", "valid"), self.memberships)
        self.persons, self.households, self.addresses, self.memberships = [], [], [], []


def _runs(events: list[RegistrationEvent]) -> Iterator[list[int]]:
    """Positions of the batch split into runs of ascending event ids (one run when the batch is in id order)."""
    run: list[int] = []
    for i, event in enumerate(events):
        if run and event.pk < events[run[-1]].pk:
            yield run
            run = []
        run.append(i)
    if run:
        yield run


def _mark_applied(events: list[RegistrationEvent], plans: list[Plan], actor: AbstractBaseUser) -> None:
    """Every event applied: one UPDATE per run of ascending ids (its capture trigger writes one change-log row per
    event, in the batch's order, cause ``registration_event`` — the event is the row's entity), and the step
    records by one COPY."""
    now = timezone.now()
    refused = 0
    with change_context(actor=actor.get_username(), cause=Cause.REGISTRATION_EVENT), connection.cursor() as cur:
        for run in _runs(events):
            rows = [
                {
                    "id": events[i].pk,
                    "version": events[i].version,
                    "persons": sorted(plans[i].person_ids),
                    "households": sorted(plans[i].household_ids),
                    "plates": sorted(plans[i].plate_ids),
                }
                for i in run
            ]
            cur.execute(sql.EVENTS_APPLIED, {"rows": json.dumps(rows), "actor_id": actor.pk, "at": now})
            refused += len(run) - cur.rowcount
    if refused:  # cannot happen under the batch's row locks; never leave an event half applied
        raise RuntimeError(f"{refused} events changed while the batch held their locks")
    copy_rows(
        "registry_eventtransition",
        ("event_id", "from_status", "to_status", "actor_id", "at", "note"),
        ((event.pk, S.APPROVED, S.APPLIED, actor.pk, now, "") for event in events),
    )
