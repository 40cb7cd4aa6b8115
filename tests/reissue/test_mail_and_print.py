"""The receipt and order sheet as PDFs (bilingual, ROC dates in Chinese, Gregorian in English), the order as CSV,
and the receipt e-mailed by the real job worker through a real local SMTP server (aiosmtpd) that these tests read."""

from __future__ import annotations

import csv
import email
import io
from email import policy

import pytest
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob
from pypdf import PdfReader

from geo_portal.census.office.dates import english_date, roc_date
from geo_portal.jobs.models import JobError
from geo_portal.reissue.exports import order_csv
from geo_portal.reissue.models import Receipt
from geo_portal.reissue.printing import order_sheet_pdf, receipt_pdf
from geo_portal.reissue.services import (
    Applicant,
    PlateRequest,
    case_open,
    fee_assess,
    order_create,
    payment_record,
    receipt_void,
)
from tests.reissue.conftest import APPLICANT, free_port


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def paid(street, staff, number: int, applicant: Applicant | None = APPLICANT, quantity: int = 2) -> Receipt:
    case = case_open(source="counter", plates=[PlateRequest(street["plates"][number].pk, "standard", quantity)],
                     reason="missing", applicant=applicant, actor=staff["clerk"])  # fmt: skip
    case = fee_assess(case_id=case.pk, version=1, actor=staff["clerk"])
    return payment_record(case_id=case.pk, version=2, method="bank_transfer", reference=f"TX-{number:04d}",
                          amount=case.fee_amount, actor=staff["clerk"])  # fmt: skip


@pytest.mark.django_db
def test_the_receipt_pdf_is_bilingual_with_both_calendars(street, staff, fees):
    receipt = paid(street, staff, 7)
    day = timezone.localtime(receipt.issued_at).date()
    pages, text = pdf_text(receipt_pdf(receipt))
    assert pages == 1
    for part in (
        "規費收據", "Fee receipt", "新竹市東區戶政事務所", "Hsinchu City East District Household Registration Office",
        receipt.display_number, receipt.case.reference, roc_date(day), f"({english_date(day)})", "王小明",
        "匯款", "(bank transfer)", "TX-0007", "補發門牌", "Re-issued door plate", "新竹市東區光復路二段7號",
        "NT$200", "NT$400", "合計", "Total", "clerk1",
    ):  # fmt: skip
        assert part in text, part
    assert roc_date(day).startswith("民國115年") or roc_date(day).startswith("民國1")
    assert "VOID" not in text
    voided = receipt_void(receipt_id=receipt.pk, case_version=3, actor=staff["reviewer"], reason="wrong transfer")
    _pages, text = pdf_text(receipt_pdf(voided))
    assert "本收據已作廢 VOID" in text and "wrong transfer" in text


@pytest.mark.django_db
def test_the_order_sheet_pdf_and_csv_carry_the_exact_text_in_route_order(street, staff, fees):
    receipts = [paid(street, staff, n, quantity=1) for n in (4, 9, 1)]
    order = order_create(cases={r.case_id: 3 for r in receipts}, actor=staff["clerk"])
    pages, text = pdf_text(order_sheet_pdf(order))
    assert pages == 1
    for part in ("門牌製作單", "Plate production order", f"#{order.pk}", "1. 光復路二段", "門牌製作廠商 (plate maker)",
                 roc_date(timezone.localdate()), "Page 1 of 1"):  # fmt: skip
        assert part in text, part
    assert text.index("1號") < text.index("9號") < text.index("4號")  # odd side up, even side back
    rows = list(csv.reader(io.StringIO(order_csv(order).removeprefix("\ufeff"))))
    assert rows[0] == ["seq", "street", "text", "header", "lines", "kind", "kind_zh", "quantity", "case", "plate_id",
                       "village", "neighborhood", "address"]  # fmt: skip
    refs = {r.case_id: r.case.reference for r in receipts}
    by_number = {n: street["plates"][n].pk for n in (1, 4, 9)}
    assert [row[:9] + row[10:11] for row in rows[1:]] == [
        ["1", "光復路二段", "光復路二段1號", "新竹市東區", "新竹市東區 | 光復路二段 | 1號", "standard", "門牌", "1",
         refs[receipts[2].case_id], "甲里"],
        ["2", "光復路二段", "光復路二段9號", "新竹市東區", "新竹市東區 | 光復路二段 | 9號", "standard", "門牌", "1",
         refs[receipts[1].case_id], "甲里"],
        ["3", "光復路二段", "光復路二段4號", "新竹市東區", "新竹市東區 | 光復路二段 | 4號", "standard", "門牌", "1",
         refs[receipts[0].case_id], "甲里"],
    ]  # fmt: skip
    assert [int(row[9]) for row in rows[1:]] == [by_number[1], by_number[9], by_number[4]]


def jobs() -> list[tuple]:
    """The receipt jobs (a daily job whose time passes during the test may be queued by the worker as well)."""
    receipts = ProcrastinateJob.objects.filter(task_name="reissue.email_receipt").order_by("id")
    return list(receipts.values_list("task_name", "args", "status", "attempts"))


@pytest.mark.django_db(transaction=True)
def test_the_receipt_arrives_by_smtp_through_the_job_worker(street, staff, fees, smtp, run_worker):
    receipt = paid(street, staff, 7)
    nobody = paid(street, staff, 9, applicant=Applicant(name="李大同", phone="0912345678"))  # no e-mail address
    assert jobs() == [("reissue.email_receipt", {"receipt_id": receipt.pk}, "todo", 0)]  # ids only, queued on commit
    run_worker()
    assert jobs() == [("reissue.email_receipt", {"receipt_id": receipt.pk}, "succeeded", 1)]
    [(sender, recipients, raw)] = smtp.messages
    assert (sender, recipients) == ("office@example.tw", ["ming@example.tw"])
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Subject"].strip() == f"規費收據 Fee receipt {receipt.display_number} ({receipt.case.reference})"
    body = message.get_body(preferencelist=("plain",)).get_content()
    day = timezone.localtime(receipt.issued_at).date()
    assert f"開立日期：{roc_date(day)}" in body and f"Date: {english_date(day)}" in body
    assert "金額：新臺幣 400 元" in body and "Amount: NT$400" in body
    [attachment] = list(message.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content_type()) == (
        f"receipt-{receipt.display_number}.pdf",
        "application/pdf",
    )
    _pages, text = pdf_text(attachment.get_content())
    assert receipt.display_number in text and roc_date(day) in text
    receipt.refresh_from_db()
    nobody.refresh_from_db()
    assert receipt.emailed_at is not None and nobody.emailed_at is None


@pytest.mark.django_db(transaction=True)
def test_an_smtp_server_that_is_down_is_retried_later(street, staff, fees, settings, run_worker):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2  # nobody listens
    receipt = paid(street, staff, 7)
    run_worker()
    assert jobs() == [("reissue.email_receipt", {"receipt_id": receipt.pk}, "todo", 1)]  # waits 5 s for its retry
    [error] = JobError.objects.filter(task_name="reissue.email_receipt").values_list("task_name", "attempt", "error_type")
    assert error == ("reissue.email_receipt", 1, "builtins.ConnectionRefusedError")
    receipt.refresh_from_db()
    assert receipt.emailed_at is None
