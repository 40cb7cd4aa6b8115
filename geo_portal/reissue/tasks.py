"""Jobs of re-issuance: e-mail a receipt to the applicant once the payment has committed; every morning, remind
the clerks of their overdue cases and the residents whose plate waits at the office (``remind_overdue``).

Queued by ``services.payments.payment_record`` (by name, on commit) with the receipt's id only; the worker builds
the message (``mail``), sends it through Django's configured e-mail backend (SMTP from the environment) and records
when it went out. A receipt already sent, voided meanwhile, or without an address is not sent (the job says why).
SMTP and connection failures are retried with backoff.
"""

from __future__ import annotations

import logging
import smtplib

from django.db import InterfaceError, OperationalError
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from geo_portal.reissue.mail import receipt_message
from geo_portal.reissue.models import Receipt
from geo_portal.reissue.services import receipt_mark_emailed
from geo_portal.reissue.services.overdue import overdue_scan, overdue_send
from geo_portal.reissue.services.payments import EMAIL_RECEIPT_TASK

logger = logging.getLogger(__name__)

# An SMTP server that is down or refuses for now is tried again after 5 s, 25 s, 125 s and 625 s.
RETRY_MAIL = RetryStrategy(
    max_attempts=4,
    exponential_wait=5,
    retry_exceptions=[OperationalError, InterfaceError, smtplib.SMTPException, ConnectionError, TimeoutError],
)


@app.task(name=EMAIL_RECEIPT_TASK, retry=RETRY_MAIL)
def email_receipt(*, receipt_id: int) -> str:
    """Send the receipt's e-mail; returns what happened (sent, or why not)."""
    receipt = Receipt.objects.select_related("case", "payment", "issued_by").filter(pk=receipt_id).first()
    if receipt is None:
        outcome = "no such receipt"
    elif receipt.emailed_at is not None:
        outcome = "already sent"
    elif receipt.voided_at is not None:
        outcome = "voided"
    else:
        message = receipt_message(receipt)
        if message is None:
            outcome = "no address"
        else:
            message.send(fail_silently=False)
            receipt_mark_emailed(receipt_id=receipt.pk)
            outcome = "sent"
    logger.info("receipt %s e-mail: %s", receipt_id, outcome)
    return outcome


REMIND_OVERDUE_TASK = "reissue.remind_overdue"


# Every morning before the office opens; the queueing lock keeps one waiting, the lock one running.
@app.periodic(cron="5 7 * * *")
@app.task(name=REMIND_OVERDUE_TASK, queueing_lock=REMIND_OVERDUE_TASK, lock=REMIND_OVERDUE_TASK, retry=RETRY_MAIL)
def remind_overdue(timestamp: int) -> dict[str, int]:
    """Write today's overdue reminders, then send every reminder that waits (a retry sends only the rest)."""
    scanned = overdue_scan()
    sent = overdue_send()
    counts = {"new_clerk": scanned.clerk, "new_resident": scanned.resident, **sent.__dict__}
    logger.info("overdue reminders: %s", counts)
    return counts
