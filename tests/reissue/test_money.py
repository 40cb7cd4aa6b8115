"""Fees, payments and receipts: the fee schedule (bad amounts refused), assessment (waived for office initiatives),
payment by cash, EasyCard or transfer with its reference, receipts numbered consecutively per office and year (also
under concurrency), voiding by a second person, refunds; illegal steps and stale versions refused, nothing written."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from geo_portal.reissue.errors import CaseRefused, StaleCase
from geo_portal.reissue.models import Case, FeeSchedule, Payment, Receipt
from geo_portal.reissue.services import (
    PlateRequest,
    case_cancel,
    case_open,
    case_refund,
    fee_assess,
    fee_schedule_add,
    payment_record,
    receipt_void,
)
from tests.reissue.conftest import APPLICANT, FEES_FROM

pytestmark = pytest.mark.django_db


def state(case: Case) -> tuple[str, int]:
    case.refresh_from_db()
    return case.state, case.version


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (-50, "must not be negative (got -50)"),
        ("12O", "must be a whole number of NT dollars (got '12O')"),
        (200.5, "must be a whole number of NT dollars (got 200.5)"),
        (True, "must be a whole number of NT dollars (got True)"),
        (250_000, "NT$250000 is more than NT$100000: a typing error?"),
    ],
)
def test_negative_or_mistyped_fees_are_refused(staff, amount, reason):
    with pytest.raises(CaseRefused) as exc:
        fee_schedule_add(plate_kind="standard", amount=amount, valid_from=FEES_FROM, actor=staff["reviewer"])
    assert exc.value.errors == {"amount": [reason]}
    assert FeeSchedule.objects.count() == 0


def test_the_fee_schedule_is_kept_by_reviewers_one_entry_per_kind_and_day(fees, staff):
    with pytest.raises(CaseRefused) as exc:
        fee_schedule_add(plate_kind="standard", amount=250, valid_from=FEES_FROM, actor=staff["reviewer2"])
    assert exc.value.errors == {"valid_from": ["a fee for door plate from 2026-01-01 already exists (NT$200)"]}
    with pytest.raises(CaseRefused) as exc:
        fee_schedule_add(plate_kind="big", amount=250, valid_from="2026-02-01", actor=staff["reviewer2"])
    assert exc.value.errors == {
        "plate_kind": ["must be one of standard, floor, lane_sign"],
        "valid_from": ["must be a date"],
    }
    with pytest.raises(CaseRefused) as exc:
        fee_schedule_add(plate_kind="standard", amount=250, valid_from=dt.date(2027, 1, 1), actor=staff["clerk"])
    assert exc.value.errors == {"actor": ["clerk1 may not keep the fee schedule"]}
    with pytest.raises(Exception, match="reissuefee_append_only"), transaction.atomic():
        FeeSchedule.objects.filter(pk=fees[0].pk).update(amount=1)
    assert FeeSchedule.objects.count() == 3


def test_the_fee_in_force_on_the_day_prices_each_plate(street, staff, fees):
    later = fee_schedule_add(plate_kind="standard", amount=240, valid_from=dt.date(2026, 7, 1), actor=staff["reviewer"])
    case = case_open(
        source="counter",
        plates=[PlateRequest(street["plates"][7].pk, "standard", 2), PlateRequest(street["plates"]["5F2"].pk, "floor", 1)],
        reason="missing",
        applicant=APPLICANT,
        actor=staff["clerk"],
    )
    assessed = fee_assess(case_id=case.pk, version=1, actor=staff["clerk"], on=dt.date(2026, 6, 30))
    assert (assessed.state, assessed.fee_amount, assessed.fee_waived, assessed.version) == ("fee_assessed", 550, False, 2)
    assert list(case.plates.order_by("id").values_list("unit_fee", flat=True)) == [200, 150]
    assert list(case.steps.values_list("action", "note")) == [("open", ""), ("assess_fee", "NT$550")]
    assert later.amount == 240
    assert assessed.due_on == timezone.localdate() + dt.timedelta(days=14)


def test_a_kind_without_a_fee_in_force_is_refused(street, staff, fees):
    case = case_open(source="counter", plates=[PlateRequest(street["plates"][7].pk)], reason="missing",
                     applicant=APPLICANT,
                     actor=staff["clerk"])  # fmt: skip
    with pytest.raises(CaseRefused) as exc:
        fee_assess(case_id=case.pk, version=1, actor=staff["clerk"], on=dt.date(2025, 12, 31))
    assert exc.value.errors == {
        "fee_schedule": ["no fee for door plate is in force on 2025-12-31: enter one in the fee schedule"]
    }
    assert state(case) == ("requested", 1)
    assert list(case.plates.values_list("unit_fee", flat=True)) == [None]


def test_office_initiatives_are_waived_and_cannot_be_paid(street, staff, fees):
    case = case_open(source="office_initiative", plates=[PlateRequest(street["plates"][9].pk, quantity=3)],
                     reason="old_style", actor=staff["clerk"])  # fmt: skip
    assessed = fee_assess(case_id=case.pk, version=1, actor=staff["clerk"])
    assert (assessed.fee_amount, assessed.fee_waived) == (0, True)
    assert list(case.steps.values_list("note", flat=True)) == ["", "fee waived: office initiative"]
    with pytest.raises(CaseRefused) as exc:
        payment_record(case_id=case.pk, version=2, method="cash", amount=0, actor=staff["clerk"])
    assert exc.value.errors == {"amount": [f"the fee of case {case.reference} is waived: there is nothing to pay"]}
    assert Payment.objects.count() == 0


@pytest.fixture
def assessed(counter_case, staff):
    """The counter case (2 door plates of 7號) assessed at NT$400."""
    return fee_assess(case_id=counter_case.pk, version=1, actor=staff["clerk"])


def test_a_payment_issues_the_next_receipt_of_the_office_and_year(assessed, street, staff, settings):
    receipt = payment_record(case_id=assessed.pk, version=2, method="easycard", reference="EC-20261202-0042",
                             amount=400, actor=staff["clerk"])  # fmt: skip
    year = timezone.localdate().year
    assert (receipt.office, receipt.year, receipt.number, receipt.amount) == ("HCE", year, 1, 400)
    assert receipt.display_number == f"HCE-{year - 1911}-000001"
    assert state(assessed) == ("paid", 3)
    payment = receipt.payment
    assert (payment.method, payment.reference, payment.amount, payment.recorded_by) == (
        "easycard",
        "EC-20261202-0042",
        400,
        staff["clerk"],
    )
    assert list(assessed.steps.values_list("action", "note"))[-1] == ("pay", "EasyCard (悠遊卡) NT$400 (EC-20261202-0042)")
    other = case_open(source="counter", plates=[PlateRequest(street["plates"][9].pk)], reason="damaged",
                      applicant=APPLICANT,
                      actor=staff["clerk2"])  # fmt: skip
    fee_assess(case_id=other.pk, version=1, actor=staff["clerk2"])
    second = payment_record(case_id=other.pk, version=2, method="cash", amount=200, actor=staff["clerk2"])
    assert second.number == 2
    settings.REISSUE_OFFICE = {**settings.REISSUE_OFFICE, "code": "HCN"}  # another office counts on its own


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"amount": 350}, {"amount": ["NT$350 does not match the fee assessed, NT$400"]}),
        ({"amount": -400}, {"amount": ["must not be negative (got -400)"]}),
        ({"amount": "4OO"}, {"amount": ["must be a whole number of NT dollars (got '4OO')"]}),
        ({"method": "cheque"}, {"method": ["must be one of cash, easycard, bank_transfer"]}),
        ({"method": "bank_transfer"}, {"reference": ["the bank transfer reference is required"]}),
        ({"method": "bank_transfer", "reference": "a b"}, {"reference": [
            "must be 4 to 60 letters, digits or dashes (got 'a b')"]}),
        ({"reference": "123"}, {"reference": ["a cash payment has no reference"]}),
        ({"version": 1}, None),
    ],
)  # fmt: skip
def test_bad_payments_are_refused_and_nothing_is_written(assessed, staff, kwargs, errors):
    base = {"case_id": assessed.pk, "version": 2, "method": "cash", "amount": 400, "actor": staff["clerk"]}
    if errors is None:
        with pytest.raises(StaleCase) as stale:
            payment_record(**{**base, **kwargs})
        assert str(stale.value).startswith(f"case {assessed.reference} was changed by clerk1 at ")
        assert str(stale.value).endswith("(now version 2; you saw version 1): reload it and try again")
    else:
        with pytest.raises(CaseRefused) as exc:
            payment_record(**{**base, **kwargs})
        assert exc.value.errors == errors
    assert (Payment.objects.count(), Receipt.objects.count(), state(assessed)) == (0, 0, ("fee_assessed", 2))
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM reissue_receiptcounter")
        assert cur.fetchone() == (0,)


def test_a_transfer_reference_is_recorded_once(assessed, street, staff):
    payment_record(case_id=assessed.pk, version=2, method="bank_transfer", reference="TX-889911", amount=400,
                   actor=staff["clerk"])  # fmt: skip
    other = case_open(source="counter", plates=[PlateRequest(street["plates"][9].pk, quantity=2)], reason="damaged",
                      applicant=APPLICANT,
                      actor=staff["clerk"])  # fmt: skip
    fee_assess(case_id=other.pk, version=1, actor=staff["clerk"])
    with pytest.raises(CaseRefused) as exc:
        payment_record(case_id=other.pk, version=2, method="bank_transfer", reference="TX-889911", amount=400,
                       actor=staff["clerk"])  # fmt: skip
    assert exc.value.errors == {"reference": [f"bank transfer TX-889911 is already recorded for case {assessed.reference}"]}
    assert state(other) == ("fee_assessed", 2)


def test_duplicate_receipt_numbers_are_impossible(assessed, staff):
    receipt = payment_record(case_id=assessed.pk, version=2, method="cash", amount=400, actor=staff["clerk"])
    other = Payment.objects.create(case=assessed, method="cash", amount=400, received_at=timezone.now(),
                                   recorded_by=staff["clerk"], voided=True)  # fmt: skip
    with pytest.raises(IntegrityError, match="reissuereceipt_number_uniq"), transaction.atomic():
        Receipt.objects.create(payment=other, case=assessed, office="HCE", year=receipt.year, number=1,
                               amount=400, issued_at=timezone.now(), issued_by=staff["clerk"])  # fmt: skip
    with pytest.raises(Exception, match="reissuereceipt_no_delete"), transaction.atomic():
        Receipt.objects.filter(pk=receipt.pk).delete()


def test_a_receipt_is_voided_by_another_person_and_kept_with_its_reason(assessed, staff):
    receipt = payment_record(case_id=assessed.pk, version=2, method="cash", amount=400, actor=staff["clerk"])
    with pytest.raises(CaseRefused) as exc:
        receipt_void(receipt_id=receipt.pk, case_version=3, actor=staff["clerk2"], reason="wrong amount")
    assert exc.value.errors == {"actor": ["clerk2 may not void receipts"]}
    staff["clerk"].groups.add(*staff["reviewer"].groups.all())  # the issuer is also a reviewer: still not allowed
    issuer = type(staff["clerk"]).objects.get(pk=staff["clerk"].pk)  # fresh permission caches
    with pytest.raises(CaseRefused) as exc:
        receipt_void(receipt_id=receipt.pk, case_version=3, actor=issuer, reason="wrong amount")
    assert exc.value.errors == {"actor": [f"you issued receipt {receipt.display_number}: another person must void it"]}
    with pytest.raises(CaseRefused) as exc:
        receipt_void(receipt_id=receipt.pk, case_version=3, actor=staff["reviewer"], reason="  ")
    assert exc.value.errors == {"reason": ["say why"]}
    voided = receipt_void(receipt_id=receipt.pk, case_version=3, actor=staff["reviewer"], reason="paid by card, not cash")
    assert (voided.void_reason, voided.voided_by, Receipt.objects.count()) == (
        "paid by card, not cash",
        staff["reviewer"],
        1,
    )
    assert state(assessed) == ("fee_assessed", 4)
    assert Payment.objects.get().voided is True
    again = payment_record(case_id=assessed.pk, version=4, method="easycard", reference="EC-77", amount=400,
                           actor=staff["clerk2"])  # fmt: skip
    assert (again.number, again.display_number[-6:]) == (2, "000002")  # the voided number is kept, never reused
    with pytest.raises(CaseRefused) as exc:
        receipt_void(receipt_id=receipt.pk, case_version=5, actor=staff["reviewer2"], reason="x")
    assert exc.value.errors == {"receipt": [f"receipt {receipt.display_number} is already voided (paid by card, not cash)"]}


def test_refund_or_cancel_depending_on_the_money_held(assessed, street, staff):
    payment_record(case_id=assessed.pk, version=2, method="cash", amount=400, actor=staff["clerk"])
    with pytest.raises(CaseRefused) as exc:
        case_cancel(case_id=assessed.pk, version=3, actor=staff["clerk"], reason="changed their mind")
    assert exc.value.errors == {"state": [
        f"case {assessed.reference} is paid; cancel needs it to be requested, fee assessed, ordered from the plate "
        "maker, plate delivered to the office"]}  # fmt: skip
    with pytest.raises(CaseRefused) as exc:
        case_refund(case_id=assessed.pk, version=3, actor=staff["clerk"], reason="changed their mind")
    assert exc.value.errors == {"actor": ["clerk1 may not refund fees"]}
    refunded = case_refund(case_id=assessed.pk, version=3, actor=staff["reviewer"], reason="changed their mind")
    assert (refunded.state, refunded.end_reason, refunded.due_on) == ("refunded", "changed their mind", None)
    payment = Payment.objects.get()
    assert (payment.refunded_by, payment.refund_reason, payment.voided) == (staff["reviewer"], "changed their mind", False)
    assert list(assessed.plates.values_list("is_open", flat=True)) == [False]
    fresh = case_open(source="office_initiative", plates=[PlateRequest(street["plates"][9].pk)], reason="old_style",
                      actor=staff["clerk"])  # fmt: skip
    with pytest.raises(CaseRefused) as exc:
        case_refund(case_id=fresh.pk, version=1, actor=staff["reviewer"], reason="x")
    assert exc.value.errors == {"state": [
        f"case {fresh.reference} is requested; refund needs it to be paid, ordered from the plate maker, plate "
        "delivered to the office"]}  # fmt: skip
    with pytest.raises(CaseRefused) as exc:
        case_cancel(case_id=fresh.pk, version=1, actor=staff["clerk"], reason="")
    assert exc.value.errors == {"reason": ["say why"]}


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_get_consecutive_receipt_numbers_without_gaps(street, staff, fees, monkeypatch):
    """Six clerks' threads pay six cases at once (each on its own connection); one payment fails after taking its
    number and rolls back: the five receipts are numbered 1–5, none twice, no gap."""
    monkeypatch.setitem(connections.databases["default"], "CONN_MAX_AGE", 0)
    cases = []
    for number in (1, 3, 5, 7, 9, 11):
        case = case_open(source="counter", plates=[PlateRequest(street["plates"][number].pk)], reason="missing",
                         applicant=APPLICANT,
                         actor=staff["clerk"])  # fmt: skip
        cases.append(fee_assess(case_id=case.pk, version=1, actor=staff["clerk"]))
    barrier = threading.Barrier(len(cases))
    outcome: dict[int, str] = {}

    def pay(case: Case, fail: bool) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                receipt = payment_record(case_id=case.pk, version=2, method="cash", amount=200, actor=staff["clerk"])
                if fail:
                    raise RuntimeError(f"printer jammed after number {receipt.number}")
            outcome[case.pk] = "paid"
        except RuntimeError as exc:
            outcome[case.pk] = str(exc)[:20]
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(case, i == 2)) for i, case in enumerate(cases)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcome.values()) == ["paid"] * 5 + ["printer jammed after"]
    assert sorted(Receipt.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    assert Case.objects.filter(state="paid").count() == 5
