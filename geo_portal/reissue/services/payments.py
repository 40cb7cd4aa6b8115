"""Money of a case: recording the payment with its receipt, voiding a receipt, refunding the fee.

``payment_record`` takes cash, EasyCard (悠遊卡) or a bank transfer (the card's or transfer's reference required and
recorded once), checks the amount against the fee assessed, and issues the receipt — its number taken last from
the office's counter for the year, so the counter's row lock is held only until the commit and numbers have no gap.
When the applicant gave an e-mail address, the receipt is e-mailed by a job queued on commit (``tasks``).
``receipt_void`` (a second person: never the issuer) keeps the receipt with its reason and returns the case to
"fee assessed"; ``case_refund`` gives the fee back and ends the case. Nothing is written on any refusal.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.jobs.queue import defer_on_commit
from geo_portal.reissue.errors import CaseRefused, FieldErrors, add, refuse
from geo_portal.reissue.models import Case, CaseApplicant, Payment, Receipt
from geo_portal.reissue.services.common import (
    APPROVE_MONEY,
    HANDLE,
    check_step,
    check_version,
    clean_note,
    locked_case,
    move,
    require,
)
from geo_portal.reissue.services.fees import check_amount
from geo_portal.reissue.sql import NEXT_RECEIPT_NUMBER

EMAIL_RECEIPT_TASK = "reissue.email_receipt"
# EasyCard transaction numbers and bank transfer references: letters, digits and dashes.
PAYMENT_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/]{3,59}$")
M = Payment.Method


def _clean_payment(
    method: str, reference: str, amount: object, received_at: dt.datetime | None, errors: FieldErrors
) -> tuple[str, dt.datetime]:
    reference = (reference or "").strip()
    if method not in M.values:
        add(errors, "method", _("must be one of %(methods)s") % {"methods": ", ".join(M.values)})
    elif method == M.CASH and reference:
        add(errors, "reference", _("a cash payment has no reference"))
    elif method != M.CASH and not reference:
        add(errors, "reference", _("the %(method)s reference is required") % {"method": M(method).label})
    elif method != M.CASH and not PAYMENT_REFERENCE.match(reference):
        add(errors, "reference", _("must be 4 to 60 letters, digits or dashes (got %(v)r)") % {"v": reference})
    check_amount(amount, "amount", errors)
    now = timezone.now()
    when = received_at or now
    if not isinstance(when, dt.datetime) or timezone.is_naive(when):
        add(errors, "received_at", _("must be a date and time with a time zone"))
        when = now
    elif when > now + dt.timedelta(minutes=5):
        add(errors, "received_at", _("%(when)s is in the future") % {"when": timezone.localtime(when).isoformat()})
    return reference, when


def _next_number(office: str, year: int) -> int:
    with connection.cursor() as cur:
        cur.execute(NEXT_RECEIPT_NUMBER, [office, year])
        return cur.fetchone()[0]


@transaction.atomic
def payment_record(
    *,
    case_id: int,
    version: int,
    method: str,
    amount: int,
    actor: AbstractBaseUser,
    reference: str = "",
    received_at: dt.datetime | None = None,
) -> Receipt:
    """Record the fee as paid and issue its receipt (e-mailed after commit when the applicant gave an address)."""
    require(actor, HANDLE, _("record payments"))
    errors: FieldErrors = {}
    reference, when = _clean_payment(method, reference, amount, received_at, errors)
    check_version(version)
    refuse(errors)
    case = locked_case(case_id, version)
    check_step(case, "pay")
    if case.fee_waived:
        raise CaseRefused(
            {"amount": [_("the fee of case %(ref)s is waived: there is nothing to pay") % {"ref": case.reference}]}
        )
    if amount != case.fee_amount:
        raise CaseRefused(
            {"amount": [_("NT$%(n)d does not match the fee assessed, NT$%(fee)d") % {"n": amount, "fee": case.fee_amount}]}
        )
    if reference:
        taken = Payment.objects.filter(method=method, reference=reference, voided=False).select_related("case").first()
        if taken is not None:
            raise CaseRefused(
                {
                    "reference": [
                        _("%(method)s %(ref)s is already recorded for case %(case)s")
                        % {"method": M(method).label, "ref": reference, "case": taken.case.reference}
                    ]
                }
            )
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                case=case, method=method, reference=reference, amount=amount, received_at=when, recorded_by=actor
            )
    except IntegrityError:  # the same transfer recorded by someone else a moment ago
        raise CaseRefused({"reference": [_("this payment was recorded just now by someone else")]}) from None
    label = M(method).label
    move(case, "pay", actor=actor, note=f"{label} NT${amount}" + (f" ({reference})" if reference else ""))
    office = settings.REISSUE_OFFICE["code"]
    issued_at = timezone.now()
    year = timezone.localtime(issued_at).year
    # Last: the counter row stays locked from here to the commit only.
    receipt = Receipt.objects.create(
        payment=payment,
        case=case,
        office=office,
        year=year,
        number=_next_number(office, year),
        amount=amount,
        issued_at=issued_at,
        issued_by=actor,
    )
    if CaseApplicant.objects.filter(case=case).exclude(email="").exists():
        defer_on_commit(EMAIL_RECEIPT_TASK, receipt_id=receipt.pk)
    return receipt


@transaction.atomic
def receipt_void(*, receipt_id: int, case_version: int, actor: AbstractBaseUser, reason: str) -> Receipt:
    """Void a receipt (kept, with who, when and why) and its payment; the case returns to "fee assessed"."""
    require(actor, APPROVE_MONEY, _("void receipts"))
    reason = clean_note(reason, "reason", required=True)
    check_version(case_version)
    receipt = Receipt.objects.select_for_update().select_related("payment").filter(pk=receipt_id).first()
    if receipt is None:
        raise CaseRefused({"receipt": [_("there is no receipt %(id)s") % {"id": receipt_id}]})
    if receipt.voided_at is not None:
        raise CaseRefused(
            {
                "receipt": [
                    _("receipt %(n)s is already voided (%(why)s)")
                    % {"n": receipt.display_number, "why": receipt.void_reason}
                ]
            }
        )
    if receipt.issued_by_id == actor.pk:
        raise CaseRefused(
            {"actor": [_("you issued receipt %(n)s: another person must void it") % {"n": receipt.display_number}]}
        )
    case = locked_case(receipt.case_id, case_version)
    check_step(case, "void_receipt")
    receipt.voided_at, receipt.voided_by, receipt.void_reason = timezone.now(), actor, reason
    receipt.save(update_fields=["voided_at", "voided_by", "void_reason"])
    Payment.objects.filter(pk=receipt.payment_id).update(voided=True)
    move(case, "void_receipt", actor=actor, note=f"{receipt.display_number}: {reason}")
    return receipt


@transaction.atomic
def case_refund(*, case_id: int, version: int, actor: AbstractBaseUser, reason: str) -> Case:
    """Give the fee back and end the case, with the reason (the receipt stays valid: the money was received)."""
    require(actor, APPROVE_MONEY, _("refund fees"))
    reason = clean_note(reason, "reason", required=True)
    case = locked_case(case_id, version)
    check_step(case, "refund")
    payment = Payment.objects.select_for_update().filter(case=case, voided=False, refunded_at__isnull=True).first()
    if payment is None:
        raise CaseRefused({"state": [_("case %(ref)s holds no payment: cancel it instead") % {"ref": case.reference}]})
    payment.refunded_at, payment.refunded_by, payment.refund_reason = timezone.now(), actor, reason
    payment.save(update_fields=["refunded_at", "refunded_by", "refund_reason"])
    case.end_reason = reason
    return move(case, "refund", actor=actor, note=f"NT${payment.amount}: {reason}", fields=("end_reason",))


@transaction.atomic
def receipt_mark_emailed(*, receipt_id: int) -> Receipt:
    """Record that the receipt's e-mail went out (called by the job once the SMTP server accepted it)."""
    receipt = Receipt.objects.select_for_update().get(pk=receipt_id)
    receipt.emailed_at = timezone.now()
    receipt.save(update_fields=["emailed_at"])
    return receipt
