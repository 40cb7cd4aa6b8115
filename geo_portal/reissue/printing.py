"""Printouts of re-issuance, always bilingual (zh-Hant and English, whatever the screen's language): the receipt
(A4; dates in the Republic of China calendar in Chinese, 民國115年12月2日, and the Gregorian calendar in English) and
the production order sheet (A4 landscape; every plate's exact text in route order, grouped by street), rendered from
``templates/reissue/print/`` by WeasyPrint with the CJK font. The order's rows are shared with its CSV (``exports``).

Imported by the PDF views, the receipt e-mail job and tests (WeasyPrint is loaded only where a PDF is made).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from geo_portal.census.office.dates import english_date, roc_date
from geo_portal.core.pdf import html_to_pdf
from geo_portal.reissue.models import CaseApplicant, CasePlate, ProductionOrder, Receipt
from geo_portal.reissue.sheets import KINDS, METHODS, money, order_groups, order_rows


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    html = render_to_string(template, context)
    return html_to_pdf(html)


def receipt_context(receipt: Receipt) -> dict[str, Any]:
    case = receipt.case
    issued = timezone.localtime(receipt.issued_at)
    plates = CasePlate.objects.filter(case=case).select_related("plate").order_by("id")
    applicant = CaseApplicant.objects.filter(case=case).first()
    rows = [
        {
            "kind_zh": KINDS[p.plate_kind][0],
            "kind_en": KINDS[p.plate_kind][1],
            "address": p.plate.address,
            "quantity": p.quantity,
            "unit_fee": money(p.unit_fee or 0),
            "subtotal": money((p.unit_fee or 0) * p.quantity),
        }
        for p in plates
    ]
    voided = timezone.localtime(receipt.voided_at) if receipt.voided_at else None
    method_zh, method_en = METHODS[receipt.payment.method]
    return {
        "receipt": receipt,
        "case": case,
        "payment": receipt.payment,
        "number": receipt.display_number,
        "office_name": settings.REISSUE_OFFICE["name"],
        "office_name_en": settings.REISSUE_OFFICE["name_en"],
        "issued_zh": roc_date(issued.date()),
        "issued_en": english_date(issued.date()),
        "voided_zh": roc_date(voided.date()) if voided else "",
        "voided_en": english_date(voided.date()) if voided else "",
        "payer": applicant.name if applicant else "",
        "method_zh": method_zh,
        "method_en": method_en,
        "rows": rows,
        "total": money(receipt.amount),
        "issued_by": receipt.issued_by.get_username(),
    }


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt as A4 PDF bytes."""
    return _pdf("reissue/print/receipt.html", receipt_context(receipt))


def order_sheet_pdf(order: ProductionOrder) -> bytes:
    """The order sheet as A4 landscape PDF bytes."""
    rows = order_rows(order)
    ordered = timezone.localtime(order.created_at).date()
    return _pdf(
        "reissue/print/order_sheet.html",
        {
            "order": order,
            "groups": order_groups(rows),
            "total": sum(r.quantity for r in rows),
            "office_name": settings.REISSUE_OFFICE["name"],
            "office_name_en": settings.REISSUE_OFFICE["name_en"],
            "ordered_zh": roc_date(ordered),
            "ordered_en": english_date(ordered),
        },
    )
