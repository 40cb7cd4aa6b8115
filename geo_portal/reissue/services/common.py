"""What every re-issue service shares: who may act, the case locked at the version the caller saw, the state
table's check, and the one writer of a step (new state, due date, version, the step row, the change log's context).

Every step of a case goes through ``move``: the case row and its ``CaseStep`` are written in the caller's
transaction with the change-log context ``reissue_case:<id>``, so the case's capture trigger records the step on the
``reissue`` channel in the same transaction. Used only by the other ``services`` modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.changes.context import Cause, change_context
from geo_portal.reissue.errors import CaseRefused, StaleCase
from geo_portal.reissue.models import Case, CasePlate, CaseStep
from geo_portal.reissue.states import ACTION_NAMES, ALLOWED, FINAL, State

HANDLE = "reissue.handle_cases"
APPROVE_MONEY = "reissue.approve_money"
MANAGE_FEES = "reissue.manage_fees"
NOTE_MAX = 500


def require(actor: AbstractBaseUser | None, perm: str, what: str) -> None:
    """The actor is an active user holding ``perm`` (CaseRefused naming the user otherwise)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise CaseRefused({"actor": [_("who does this is required")]})
    if not (actor.is_active and actor.has_perm(perm)):
        raise CaseRefused({"actor": [_("%(user)s may not %(what)s") % {"user": actor.get_username(), "what": what}]})


def clean_note(value: str | None, field: str = "note", *, required: bool = False, errors: dict | None = None) -> str:
    """Stripped text of at most NOTE_MAX characters without NUL; required when asked (errors collected or raised)."""
    text = (value or "").strip()
    problems: list[str] = []
    if "\x00" in text:
        problems.append(_("contains a null character"))
    elif len(text) > NOTE_MAX:
        problems.append(_("is too long (%(n)d characters; at most %(max)d)") % {"n": len(text), "max": NOTE_MAX})
    elif required and not text:
        problems.append(_("say why"))
    if problems:
        if errors is None:
            raise CaseRefused({field: problems})
        errors.setdefault(field, []).extend(problems)
    return text


def check_version(version: object) -> int:
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CaseRefused({"version": [_("must be the version of the case you saw (got %(v)r)") % {"v": version}]})
    return version


def locked_case(case_id: object, version: int) -> Case:
    """The case, locked for this transaction, if it is still at ``version`` (StaleCase otherwise)."""
    check_version(version)
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        raise CaseRefused({"case": [_("must be a case id (got %(v)r)") % {"v": case_id}]})
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise CaseRefused({"case": [_("there is no re-issue case %(id)s") % {"id": case_id}]})
    if case.version != version:
        raise StaleCase(
            reference=case.reference,
            seen=version,
            current=case.version,
            changed_at=case.updated_at,
            changed_by=case.updated_by,
        )
    return case


def check_step(case: Case, action: str) -> str:
    """The state ``action`` leads to; CaseRefused naming the state when the case is not where the action starts."""
    sources, target = ALLOWED[action]
    if case.state not in sources:
        allowed = ", ".join(str(State(s).label) for s in State.values if s in sources)
        raise CaseRefused(
            {
                "state": [
                    _("case %(ref)s is %(state)s; %(action)s needs it to be %(allowed)s")
                    % {
                        "ref": case.reference,
                        "state": case.get_state_display(),
                        "action": ACTION_NAMES[action],
                        "allowed": allowed,
                    }
                ]
            }
        )
    return target


def due_date(state: str, today: dt.date) -> dt.date | None:
    """When a case that entered ``state`` today should leave it (None for final states)."""
    if state in FINAL:
        return None
    return today + dt.timedelta(days=int(settings.REISSUE_STEP_DAYS[state]))


@contextmanager
def case_context(actor: AbstractBaseUser | None, case_id: int) -> Iterator[None]:
    """The change log's actor and cause (``reissue_case:<id>``) for writes of this case (inside a transaction)."""
    name = actor.get_username() if actor is not None else "system"
    with change_context(actor=name, cause=Cause.REISSUE_CASE, ref=case_id):
        yield


def move(case: Case, action: str, *, actor: AbstractBaseUser | None, note: str = "", fields: tuple[str, ...] = ()) -> Case:
    """Write the step ``action`` on a locked case: state, due date, version, who; its CaseStep row; the log's context.

    ``fields`` are other attributes the caller set on ``case`` that are written with it.
    """
    target = check_step(case, action)
    today = timezone.localdate()
    before = case.state
    case.state = target
    case.state_since = timezone.now()
    case.due_on = due_date(target, today)
    case.version += 1
    case.updated_by = actor.get_username() if actor is not None else "system"
    with case_context(actor, case.pk):
        case.save(update_fields=["state", "state_since", "due_on", "version", "updated_by", "updated_at", *fields])
        CaseStep.objects.create(
            case=case, action=action, from_state=before, to_state=target, actor=actor, note=note, due_on=case.due_on
        )
        if target in FINAL:
            # The plates are free for a new case once this one is over.
            CasePlate.objects.filter(case=case).update(is_open=False)
    return case
