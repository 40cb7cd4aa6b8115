"""Resident notices: preparing a batch of letters over a scope, recording that it went out, or discarding it unsent.

``notice_batch_create`` takes the plates of a village, census campaign or road whose condition is one of those chosen
(missing, damaged, old style), leaves out what the skip rule says (``notice_scope``: an open case, a letter waiting
in another batch, a letter about the same condition already sent — unless re-sent on purpose with a reason), puts
the rest in walking order from the office's service point (``route``) and fixes each letter's address as on the
plate and in English. Batches are made one at a time (an advisory lock), so two clerks never both write to a plate.
``notice_batch_record_sent`` records the sending of every letter (date, method, who) except those named as not sent;
``notice_batch_discard`` frees the plates of a batch that was never sent. Each checks the batch's version and writes
the change log's context; nothing is written on a refusal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.search import english_address
from geo_portal.changes.context import Cause, change_context
from geo_portal.reissue import route
from geo_portal.reissue.errors import CaseRefused, FieldErrors, StaleBatch, add, refuse
from geo_portal.reissue.models import NoticeBatch, NoticeCondition, NoticeLetter, ScopeKind, SendMethod
from geo_portal.reissue.notice_scope import (
    NEW,
    OPEN_CASE,
    SENT,
    WAITING,
    candidates,
    office_service_point,
    resolve_scope,
    to_print,
)
from geo_portal.reissue.plate_text import plate_text
from geo_portal.reissue.services.common import HANDLE, check_version, clean_note, require
from geo_portal.reissue.sql import NOTICE_BATCH_LOCK

MAX_LETTERS = 5000  # one batch; a bigger scope is split by road


def _context(actor: AbstractBaseUser):
    return change_context(actor=actor.get_username(), cause=Cause.STAFF, ref="reissue_notice_batch")


def _clean_conditions(conditions: Iterable[str], errors: FieldErrors) -> list[str]:
    chosen = list(dict.fromkeys(conditions or ()))
    unknown = [c for c in chosen if c not in NoticeCondition.values]
    if unknown:
        add(
            errors,
            "conditions",
            _("%(bad)s: must be among %(known)s")
            % {"bad": ", ".join(map(str, unknown)), "known": ", ".join(NoticeCondition.values)},
        )
    elif not chosen:
        add(errors, "conditions", _("choose at least one plate condition"))
    # In the table's order, whatever order they were given in.
    return [c for c in NoticeCondition.values if c in chosen]


def _nothing_to_print(label: str, held: dict[str, int]) -> str:
    return _(
        "no plate of %(scope)s needs a letter: %(sent)d already told, %(waiting)d waiting in a batch not yet sent, "
        "%(open)d with an open case"
    ) % {"scope": label, "sent": held[SENT], "waiting": held[WAITING], "open": held[OPEN_CASE]}


@transaction.atomic
def notice_batch_create(
    *, scope_kind: str, scope_id: int, conditions: Sequence[str], actor: AbstractBaseUser, resend_reason: str = ""
) -> NoticeBatch:
    """A batch of letters for the plates of a scope in ``conditions`` that the skip rule leaves, in walking order.

    With ``resend_reason`` the plates already told about the same condition get a letter again (each naming the
    letter it repeats); without it they are skipped.
    """
    require(actor, HANDLE, _("prepare notice letters"))
    errors: FieldErrors = {}
    if scope_kind not in ScopeKind.values:
        add(errors, "scope_kind", _("must be one of %(kinds)s") % {"kinds": ", ".join(ScopeKind.values)})
        resolved = None
    else:
        resolved = resolve_scope(kind=scope_kind, scope_id=scope_id)
        if resolved is None:
            add(errors, "scope_id", _("there is no %(kind)s %(id)s") % {"kind": ScopeKind(scope_kind).label, "id": scope_id})
    chosen = _clean_conditions(conditions, errors)
    reason = clean_note(resend_reason, "resend_reason", errors=errors)
    office = office_service_point()
    if office is None:
        add(
            errors,
            "office",
            _("no service point of the office is in service: the letters must say where to come (load the service points)"),
        )
    refuse(errors)
    scope, where = resolved
    with connection.cursor() as cur:
        cur.execute(NOTICE_BATCH_LOCK)  # held until commit: the skip rule below sees every earlier batch
    found = candidates(where=where, conditions=chosen)
    chosen_plates = to_print(found, resend=bool(reason))
    if not chosen_plates:
        held = {key: sum(1 for c in found if c.held == key) for key in (SENT, WAITING, OPEN_CASE)}
        raise CaseRefused({"scope": [_nothing_to_print(scope.label, held)]})
    if len(chosen_plates) > MAX_LETTERS:
        raise CaseRefused(
            {
                "scope": [
                    _("%(n)d letters are more than %(max)d in one batch: choose a road or a village")
                    % {"n": len(chosen_plates), "max": MAX_LETTERS}
                ]
            }
        )
    by_id = DoorPlate.objects.select_related("road", "district__county").in_bulk([c.plate_id for c in chosen_plates])
    texts, stops = {}, []
    for c in chosen_plates:
        plate = by_id[c.plate_id]
        text = plate_text(plate, "standard")
        texts[plate.pk] = text
        stops.append(route.Stop(key=plate.pk, street=text.street, number=plate.number, x=plate.geom.x, y=plate.geom.y))
    start = (office.location.x, office.location.y) if office.location else None
    about = {c.plate_id: c for c in chosen_plates}
    with _context(actor):
        batch = NoticeBatch.objects.create(
            scope_kind=scope.kind,
            scope_id=scope.id,
            scope_label=scope.label[:200],
            conditions=chosen,
            resend_reason=reason,
            letter_count=len(chosen_plates),
            created_by=actor,
            updated_by=actor.get_username(),
        )
        letters, seq = [], 0
        for group in route.walking_order(stops, start=start):
            for stop in group.stops:
                seq += 1
                c = about[stop.key]
                letters.append(
                    NoticeLetter(
                        batch=batch,
                        seq=seq,
                        plate_id=stop.key,
                        condition=c.condition,
                        route_group=group.street[:160],
                        lines="\n".join(texts[stop.key].lines)[:200],
                        address_en=english_address(by_id[stop.key])[:250],
                        resend_of_id=c.previous_letter_id if c.held != NEW else None,
                    )
                )
        NoticeLetter.objects.bulk_create(letters)
    return batch


def _locked_batch(batch_id: object, version: object) -> NoticeBatch:
    check_version(version)
    if not isinstance(batch_id, int) or isinstance(batch_id, bool):
        raise CaseRefused({"batch": [_("must be a notice batch id (got %(v)r)") % {"v": batch_id}]})
    batch = NoticeBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None:
        raise CaseRefused({"batch": [_("there is no notice batch %(id)s") % {"id": batch_id}]})
    if batch.version != version:
        raise StaleBatch(
            batch_id=batch.pk,
            seen=version,
            current=batch.version,
            changed_at=batch.updated_at,
            changed_by=batch.updated_by,
        )
    if batch.status != NoticeBatch.Status.PREPARED:
        raise CaseRefused(
            {
                "batch": [
                    _("notice batch %(n)s is %(status)s; only a prepared batch can be recorded or discarded")
                    % {"n": batch.pk, "status": batch.get_status_display()}
                ]
            }
        )
    return batch


def _clean_not_sent(not_sent: Sequence[int], count: int, errors: FieldErrors) -> set[int]:
    out: set[int] = set()
    for value in not_sent or ():
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= count:
            add(errors, "not_sent", _("%(v)r is not a letter of this batch (1 to %(n)d)") % {"v": value, "n": count})
        else:
            out.add(value)
    if count and len(out) == count:
        add(errors, "not_sent", _("no letter would be sent: discard the batch instead"))
    return out


@transaction.atomic
def notice_batch_record_sent(
    *,
    batch_id: int,
    version: int,
    sent_on: dt.date,
    method: str,
    actor: AbstractBaseUser,
    not_sent: Sequence[int] = (),
) -> NoticeBatch:
    """The batch went out on ``sent_on`` by ``method``: every letter is recorded as sent except those in ``not_sent``
    (their places in the batch), whose plates are free for a later batch."""
    require(actor, HANDLE, _("record notice letters as sent"))
    batch = _locked_batch(batch_id, version)
    errors: FieldErrors = {}
    if not isinstance(sent_on, dt.date) or isinstance(sent_on, dt.datetime):
        add(errors, "sent_on", _("must be a date"))
    elif sent_on > timezone.localdate():
        add(errors, "sent_on", _("%(day)s is in the future") % {"day": sent_on.isoformat()})
    elif sent_on < timezone.localdate(batch.created_at):
        add(errors, "sent_on", _("%(day)s is before the letters were prepared") % {"day": sent_on.isoformat()})
    if method not in SendMethod.values:
        add(errors, "method", _("must be one of %(methods)s") % {"methods": ", ".join(SendMethod.values)})
    skipped = _clean_not_sent(not_sent, batch.letter_count, errors)
    refuse(errors)
    now = timezone.now()
    with _context(actor):
        letters = NoticeLetter.objects.filter(batch=batch)
        letters.filter(seq__in=sorted(skipped)).update(status=NoticeLetter.Status.NOT_SENT)
        letters.exclude(seq__in=sorted(skipped)).update(
            status=NoticeLetter.Status.SENT, sent_on=sent_on, method=method, sent_by=actor, recorded_at=now
        )
        batch.status = NoticeBatch.Status.SENT
        batch.sent_on, batch.method, batch.recorded_by, batch.recorded_at = sent_on, method, actor, now
        batch.version += 1
        batch.updated_by = actor.get_username()
        batch.save()
    return batch


@transaction.atomic
def notice_batch_discard(*, batch_id: int, version: int, reason: str, actor: AbstractBaseUser) -> NoticeBatch:
    """The batch was never sent (printed wrong, scope chosen wrong): its plates are free for a later batch."""
    require(actor, HANDLE, _("discard notice letters"))
    reason = clean_note(reason, "reason", required=True)
    batch = _locked_batch(batch_id, version)
    with _context(actor):
        NoticeLetter.objects.filter(batch=batch).update(status=NoticeLetter.Status.NOT_SENT)
        batch.status = NoticeBatch.Status.DISCARDED
        batch.discard_reason = reason
        batch.version += 1
        batch.updated_by = actor.get_username()
        batch.save()
    return batch
