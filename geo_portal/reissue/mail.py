"""E-mails of re-issuance, bilingual (zh-Hant first, then English): the receipt to the applicant (its PDF
attached), the overdue reminder to a clerk (their overdue cases with links), and the "your plate is ready" reminder
to a resident. Built by the jobs in ``tasks`` and ``services.overdue``; addresses are read at sending time and never
logged or passed as job arguments. WeasyPrint is loaded only where a receipt is built."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation

from geo_portal.census.office.dates import english_date, roc_date
from geo_portal.reissue.models import CaseApplicant, Receipt
from geo_portal.reissue.sheets import money
from geo_portal.reissue.states import State

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from geo_portal.reissue.services.overdue import OverdueCase

LIST_MAX = 200  # cases listed in one reminder; the dashboard lists them all

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
    # WeasyPrint is loaded only by the worker that sends a receipt (this module is imported by the daily reminders too).
    from geo_portal.reissue.printing import receipt_pdf

    message.attach(f"receipt-{number}.pdf", receipt_pdf(receipt), "application/pdf")
    return message


@functools.cache
def _label(state: str, language: str) -> str:
    """A step's name in a language (cached: a reminder lists hundreds of cases in a handful of steps)."""
    with translation.override(language):
        return str(State(state).label)


def _link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def overdue_clerk_message(*, user: AbstractBaseUser, cases: list[OverdueCase]) -> EmailMessage:
    """One reminder to a clerk listing their overdue cases (the oldest due first), with links to each."""
    lines = [
        f"- {c.reference} · {_label(c.state, 'zh-hant')} / {_label(c.state, 'en')} · "
        f"期限 due {roc_date(c.due_on)} ({c.due_on.isoformat()}) · {_link(reverse('reissue:case', args=[c.case_id]))}"
        for c in cases[:LIST_MAX]
    ]
    if len(cases) > LIST_MAX:
        lines.append(
            f"… 另有 {len(cases) - LIST_MAX} 件 / {len(cases) - LIST_MAX} more: {_link(reverse('reissue:dashboard'))}"
        )
    body = (
        f"{user.get_username()} 您好：\n\n以下 {len(cases)} 件補發門牌案件已逾期，請儘速辦理。\n"
        f"Hello {user.get_username()},\n\nThese {len(cases)} door-plate re-issue cases are overdue; please act on them.\n\n"
        + "\n".join(lines)
        + f"\n\n{settings.REISSUE_OFFICE['name']}\n{settings.REISSUE_OFFICE['name_en']}\n"
    )
    return EmailMessage(
        subject=f"逾期補發案件 Overdue re-issue cases: {len(cases)}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


READY = """您好：

您申請補發的門牌（案件編號 {reference}）已製作完成，請攜帶身分證明文件至{office}領取。
案件進度：{status}

---

Hello,

The new door plate you asked for (case {reference}) is ready. Please collect it at the {office_en}, bringing an
identity document.
Case status: {status}
"""


def ready_to_collect_message(*, email: str, case: OverdueCase) -> EmailMessage:
    """The reminder to a resident whose new plate waits at the office."""
    office = settings.REISSUE_OFFICE
    status = _link(reverse("reissue:status")) + f"?ref={case.reference}"
    return EmailMessage(
        subject=f"門牌已可領取 Your door plate is ready ({case.reference})",
        body=READY.format(reference=case.reference, office=office["name"], office_en=office["name_en"], status=status),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email],
    )
