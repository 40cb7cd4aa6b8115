"""Registration events through their review: enter, submit, approve or reject, apply — and scanned documents.

Each service is keyword-only, owns its transaction, checks who may act, locks the event, takes the ``version``
the caller saw (a stale one raises ``StaleEvent`` naming who changed it and when), re-checks the event against
the register (``planners.plan_event``), writes the new status and an ``EventTransition`` (who, when, note).
Two people for every registration: the registrar who submitted an event never reviews it (here, in the rule
``registry.approve_event`` and in a database constraint). Applying is all-or-nothing: the households and
memberships change, the event becomes ``applied`` and the change log's private ``registry`` channel records it,
in one transaction. Called by the registry's staff pages (later) and the tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geo_portal.changes.context import Cause, change_context
from geo_portal.registry import documents
from geo_portal.registry.deadlines import is_late
from geo_portal.registry.details import Details, from_json, to_json
from geo_portal.registry.errors import AccessDenied, FieldError, RegistryRefused, StaleEvent
from geo_portal.registry.models import EventDocument, EventTransition, RegistrationEvent
from geo_portal.registry.services.ops import execute
from geo_portal.registry.services.planners import plan_event

REGISTER = "registry.register_events"
REVIEW = "registry.review_events"
S = RegistrationEvent.Status
K = RegistrationEvent.Kind


# action → (statuses it may start from, status it leads to)
ALLOWED: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({S.DRAFT}), S.SUBMITTED),
    "approve": (frozenset({S.SUBMITTED}), S.APPROVED),
    "reject": (frozenset({S.SUBMITTED}), S.REJECTED),
    "apply": (frozenset({S.APPROVED}), S.APPLIED),
}


def _require(user: AbstractBaseUser, perm: str, what: str) -> None:
    if not (user.is_active and user.has_perm(perm)):
        raise AccessDenied(_("%(user)s may not %(what)s.") % {"user": user.get_username(), "what": what})


def _locked(event_id: int, version: int) -> RegistrationEvent:
    event = RegistrationEvent.objects.select_for_update().filter(pk=event_id).first()
    if event is None:
        raise RegistryRefused(FieldError("event_id", _("there is no registration event %(id)s") % {"id": event_id}))
    if event.version != version:
        last = event.transitions.select_related("actor").order_by("-at", "-id").first()
        raise StaleEvent(
            FieldError(
                "version",
                _("event #%(id)s was changed by %(user)s at %(when)s (version %(now)d, you saw %(saw)d); reload it")
                % {
                    "id": event.pk,
                    "user": last.actor.get_username() if last else "?",
                    "when": timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M") if last else "?",
                    "now": event.version,
                    "saw": version,
                },
            )
        )
    return event


def _move(event: RegistrationEvent, action: str, actor: AbstractBaseUser, note: str = "", **fields) -> RegistrationEvent:
    sources, target = ALLOWED[action]
    if event.status not in sources:
        raise RegistryRefused(
            FieldError(
                "status",
                STEP_REFUSALS[action] % {"id": event.pk, "status": event.get_status_display()},
            )
        )
    before = event.status
    event.status = target
    for name, value in fields.items():
        setattr(event, name, value)
    event.version += 1
    event.save()
    EventTransition.objects.create(event=event, from_status=before, to_status=target, actor=actor, note=note)
    return event


# Lazy: read in the language of the request that is refused, not the one active when the module was imported.
STEP_REFUSALS = {
    "submit": gettext_lazy("event #%(id)s is %(status)s: only a draft can be submitted"),
    "approve": gettext_lazy("event #%(id)s is %(status)s: only a submitted event can be reviewed"),
    "reject": gettext_lazy("event #%(id)s is %(status)s: only a submitted event can be reviewed"),
    "apply": gettext_lazy("event #%(id)s is %(status)s: only an approved event can be applied"),
}


def _replan(event: RegistrationEvent, *, lock: bool = False, known=None):
    return plan_event(
        kind=event.kind,
        details=from_json(event.kind, event.details),
        effective_date=event.effective_date,
        declared_on=event.declared_on,
        lock=lock,
        known=known,
    )


def _not_own(event: RegistrationEvent, actor: AbstractBaseUser, what: str) -> None:
    # Checked by hand as well as by the rule: an active superuser passes every has_perm.
    if event.submitted_by_id == actor.pk or not actor.has_perm("registry.approve_event", event):
        raise RegistryRefused(
            FieldError(
                "reviewed_by",
                _("%(user)s submitted event #%(id)s: another registrar must %(what)s it")
                % {"user": actor.get_username(), "id": event.pk, "what": what},
            )
        )


@transaction.atomic
def event_create(
    *,
    actor: AbstractBaseUser,
    kind: str,
    effective_date: dt.date,
    details: Details,
    declared_on: dt.date | None = None,
    note: str = "",
) -> RegistrationEvent:
    """A draft event, checked against the register now (refused with every problem named otherwise)."""
    _require(actor, REGISTER, _("enter registration events"))
    declared = declared_on or timezone.localdate()
    plan = plan_event(kind=kind, details=details, effective_date=effective_date, declared_on=declared)
    event = RegistrationEvent.objects.create(
        kind=kind,
        effective_date=effective_date,
        declared_on=declared,
        late=is_late(kind, effective_date, declared),
        details=to_json(details),
        person_ids=sorted(plan.person_ids),
        household_ids=sorted(plan.household_ids),
        plate_ids=sorted(plan.plate_ids),
        note=note.strip(),
        created_by=actor,
    )
    EventTransition.objects.create(event=event, from_status="", to_status=S.DRAFT, actor=actor)
    return event


@transaction.atomic
def event_submit(*, event_id: int, actor: AbstractBaseUser, version: int) -> RegistrationEvent:
    """Send a draft for review (checked again against the register as it is now)."""
    _require(actor, REGISTER, _("submit registration events"))
    event = _locked(event_id, version)
    if event.status == S.DRAFT:
        _replan(event)
    return _move(event, "submit", actor, submitted_by=actor, submitted_at=timezone.now())


@transaction.atomic
def event_approve(*, event_id: int, actor: AbstractBaseUser, version: int, note: str = "") -> RegistrationEvent:
    """A second registrar approves a submitted event (never the one who submitted it)."""
    _require(actor, REVIEW, _("review registration events"))
    event = _locked(event_id, version)
    _not_own(event, actor, _("approve"))
    if event.status == S.SUBMITTED:
        _replan(event)
    return _move(
        event, "approve", actor, note.strip(), reviewed_by=actor, reviewed_at=timezone.now(), review_note=note.strip()
    )


@transaction.atomic
def event_reject(*, event_id: int, actor: AbstractBaseUser, version: int, note: str) -> RegistrationEvent:
    """A second registrar rejects a submitted event, saying why."""
    _require(actor, REVIEW, _("review registration events"))
    event = _locked(event_id, version)
    _not_own(event, actor, _("reject"))
    if not note.strip():
        raise RegistryRefused(FieldError("note", _("give the reason for the rejection")))
    return _move(
        event, "reject", actor, note.strip(), reviewed_by=actor, reviewed_at=timezone.now(), review_note=note.strip()
    )


@transaction.atomic
def event_apply(*, event_id: int, actor: AbstractBaseUser, version: int) -> RegistrationEvent:
    """Apply an approved event: households and memberships change, the event is ``applied``, the private change
    log records it — all in this transaction, or nothing."""
    _require(actor, REGISTER, _("apply registration events"))
    event = _locked(event_id, version)
    if event.status != S.APPROVED:
        return _move(event, "apply", actor)  # refuses with the status named
    plan = _replan(event, lock=True)
    with change_context(actor=actor.get_username(), cause=Cause.REGISTRATION_EVENT, ref=event.pk):
        try:
            with transaction.atomic():
                execute(plan)
        except IntegrityError as exc:
            # The checks ran under row locks, so this is a write of the same persons that committed in between.
            raise RegistryRefused(
                FieldError(
                    "event_id", _("the register changed while event #%(id)s was applied; try again") % {"id": event.pk}
                )
            ) from exc
        return _move(
            event,
            "apply",
            actor,
            person_ids=sorted(plan.person_ids),
            household_ids=sorted(plan.household_ids),
            plate_ids=sorted(plan.plate_ids),
            applied_by=actor,
            applied_at=timezone.now(),
        )


@transaction.atomic
def event_attach_document(*, event_id: int, actor: AbstractBaseUser, upload: UploadedFile, kind: str) -> EventDocument:
    """Store a scanned document of a draft or submitted event in private storage (PDF, JPEG, PNG or TIFF, by
    content), with its size and SHA-256."""
    _require(actor, REGISTER, _("attach registration documents"))
    event = RegistrationEvent.objects.select_for_update().filter(pk=event_id).first()
    if event is None:
        raise RegistryRefused(FieldError("event_id", _("there is no registration event %(id)s") % {"id": event_id}))
    errors: list[FieldError] = []
    if event.status not in (S.DRAFT, S.SUBMITTED):
        errors.append(FieldError("event_id", _("documents are attached before the review ends")))
    if kind not in EventDocument.Kind.values:
        errors.append(FieldError("kind", _("unknown document kind %(value)r") % {"value": kind}))
    checked = documents.check_upload(upload, errors)
    if errors or checked is None:
        raise RegistryRefused(errors)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = EventDocument(
        event=event,
        kind=kind,
        content_type=checked.content_type,
        size=checked.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    # A random file name: the uploaded name may carry personal data.
    document.file.save(f"{uuid.uuid4().hex}{checked.extension}", upload, save=False)
    try:
        document.save()
    except Exception:
        document.file.storage.delete(document.file.name)
        raise
    return document
