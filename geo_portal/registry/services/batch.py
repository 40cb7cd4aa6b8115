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

Each applied event is still its own event on the change log's private channel with its own cause, and gets its
own step record. Measured: see README (household registration, batch apply).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.changes.context import Cause, change_context
from geo_portal.registry.errors import FieldError, RegistryRefused
from geo_portal.registry.models import RegistrationEvent
from geo_portal.registry.services.events import REGISTER, S, _locked, _move, _replan, _require
from geo_portal.registry.services.ops import execute

MAX_BATCH = 20_000


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
    applied: list[int] = []
    actor_name = actor.get_username()
    for i, (event_id, _version) in enumerate(events):
        event = locked[event_id]
        try:
            # Planning writes nothing, so a refused event needs no savepoint: the events after it are still checked
            # against the register as the earlier applied ones made it, and every problem is reported at once.
            plan = _replan(event, lock=True)
        except RegistryRefused as exc:
            errors.extend(_prefixed(i, event_id, exc.errors))
            continue
        try:
            with change_context(actor=actor_name, cause=Cause.REGISTRATION_EVENT, ref=event.pk):
                execute(plan)
                _move(
                    event,
                    "apply",
                    actor,
                    person_ids=sorted(plan.person_ids),
                    household_ids=sorted(plan.household_ids),
                    plate_ids=sorted(plan.plate_ids),
                    applied_by=actor,
                    applied_at=timezone.now(),
                )
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
        applied.append(event_id)
    if errors:
        raise BatchRefused(errors)
    return BatchResult(applied=applied)
