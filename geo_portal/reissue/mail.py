"""The receipt e-mail: a bilingual message (zh-Hant first, then English) to the address the applicant gave, with
the receipt's PDF attached. Built by the job in ``tasks``; the address is read here at sending time and never
logged or passed as a job argument."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from geo_portal.census.office.dates import english_date, roc_date
from geo_portal.reissue.models import CaseApplicant, Receipt
from geo_portal.reissue.printing import money, receipt_pdf

BODY = """您好：

附件為您申請補發門牌的規費收據。
收據號碼：{number}
案件編號：{reference}
金額：新臺幣 {amount} 元
開立日期：{date_zh}
案件進度可於網站以案件編號查詢。

{office}

---

Hello,

Attached is the receipt for the fee of your door-plate re-issue request.
Receipt number: {number}
Case reference: {reference}
Amount: NT${amount}
Date: {date_en}
You can follow the case on our website with its reference.

{office_en}
"""


def receipt_message(receipt: Receipt) -> EmailMessage | None:
    """The e-mail of ``receipt`` to its applicant, or None when they gave no address."""
    applicant = CaseApplicant.objects.filter(case_id=receipt.case_id).first()
    if applicant is None or not applicant.email:
        return None
    day = timezone.localtime(receipt.issued_at).date()
    office = settings.REISSUE_OFFICE
    number = receipt.display_number
    message = EmailMessage(
        subject=f"規費收據 Fee receipt {number} ({receipt.case.reference})",
        body=BODY.format(
            number=number,
            reference=receipt.case.reference,
            amount=money(receipt.amount),
            date_zh=roc_date(day),
            date_en=english_date(day),
            office=office["name"],
            office_en=office["name_en"],
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[applicant.email],
    )
    message.attach(f"receipt-{number}.pdf", receipt_pdf(receipt), "application/pdf")
    return message
