"""The fee schedule and the assessment of a case's fee.

``fee_schedule_add`` enters a fee for a plate kind from a date on (reviewers keep the schedule; entries are never
changed or deleted, a new entry from a later date replaces an old one). ``fee_assess`` prices each plate of a case
with the fee in force on the day (quantity × fee per kind) — waived for office-initiated replacements — and moves the
case to "fee assessed". Bad input (an unknown kind, a negative or mistyped amount, a kind without a fee in force)
is refused naming the field; nothing is written.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.reissue.errors import FieldErrors, add, refuse
from geo_portal.reissue.models import Case, CasePlate, FeeSchedule, PlateKind, Source
from geo_portal.reissue.models.money import MAX_FEE
from geo_portal.reissue.selectors import fee_in_force
from geo_portal.reissue.services.common import HANDLE, MANAGE_FEES, check_step, clean_note, locked_case, move, require


def check_amount(amount: object, field: str, errors: FieldErrors) -> int | None:
    """A fee or payment in whole NT dollars from 0 to MAX_FEE; the reason otherwise (mistyped, negative, too large)."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        add(errors, field, _("must be a whole number of NT dollars (got %(v)r)") % {"v": amount})
        return None
    if amount < 0:
        add(errors, field, _("must not be negative (got %(v)d)") % {"v": amount})
        return None
    if amount > MAX_FEE:
        add(errors, field, _("NT$%(v)d is more than NT$%(max)d: a typing error?") % {"v": amount, "max": MAX_FEE})
        return None
    return amount


@transaction.atomic
def fee_schedule_add(
    *, plate_kind: str, amount: int, valid_from: dt.date, actor: AbstractBaseUser, note: str = ""
) -> FeeSchedule:
    """A fee for ``plate_kind`` from ``valid_from`` on; refuses a second entry for the same kind and day."""
    require(actor, MANAGE_FEES, _("keep the fee schedule"))
    errors: FieldErrors = {}
    if plate_kind not in PlateKind.values:
        add(errors, "plate_kind", _("must be one of %(kinds)s") % {"kinds": ", ".join(PlateKind.values)})
    check_amount(amount, "amount", errors)
    if not isinstance(valid_from, dt.date) or isinstance(valid_from, dt.datetime):
        add(errors, "valid_from", _("must be a date"))
    note = clean_note(note, errors=errors)
    if "plate_kind" not in errors and "valid_from" not in errors:
        same = FeeSchedule.objects.filter(plate_kind=plate_kind, valid_from=valid_from).first()
        if same is not None:
            add(
                errors,
                "valid_from",
                _("a fee for %(kind)s from %(day)s already exists (NT$%(n)d)")
                % {"kind": PlateKind(plate_kind).label, "day": valid_from.isoformat(), "n": same.amount},
            )
    refuse(errors)
    return FeeSchedule.objects.create(
        plate_kind=plate_kind, amount=amount, valid_from=valid_from, note=note, created_by=actor
    )


@transaction.atomic
def fee_assess(*, case_id: int, version: int, actor: AbstractBaseUser, on: dt.date | None = None, note: str = "") -> Case:
    """Price the case's plates with the fees in force ``on`` (today by default); waived for office initiatives."""
    require(actor, HANDLE, _("assess re-issue fees"))
    note = clean_note(note)
    case = locked_case(case_id, version)
    check_step(case, "assess_fee")
    day = on or timezone.localdate()
    plates = list(CasePlate.objects.filter(case=case).order_by("id"))
    waived = case.source == Source.OFFICE_INITIATIVE
    errors: FieldErrors = {}
    if not waived:
        for plate in plates:
            fee = fee_in_force(plate_kind=plate.plate_kind, on=day)
            if fee is None:
                add(
                    errors,
                    "fee_schedule",
                    _("no fee for %(kind)s is in force on %(day)s: enter one in the fee schedule")
                    % {"kind": PlateKind(plate.plate_kind).label, "day": day.isoformat()},
                )
            else:
                plate.unit_fee = fee.amount
    refuse(errors)
    for plate in plates:
        if waived:
            plate.unit_fee = 0
        plate.save(update_fields=["unit_fee"])
    case.fee_waived = waived
    case.fee_amount = sum(p.unit_fee * p.quantity for p in plates)
    text = note or (_("fee waived: office initiative") if waived else _("NT$%(n)d") % {"n": case.fee_amount})
    return move(case, "assess_fee", actor=actor, note=text, fields=("fee_waived", "fee_amount"))
