"""Re-issuance write services: every step of a case, keyword-only and typed, each in its own transaction, checking
who acts, the case's version and the state table (``states.ALLOWED``) before writing; ``CaseRefused`` names the
field and reason, ``StaleCase`` who changed the case and when; nothing is written on either.

- ``cases``: ``case_open`` (counter, office initiative), ``case_open_from_finding``, ``case_open_from_report``,
  ``case_close``, ``case_cancel``;
- ``fees``: ``fee_schedule_add``, ``fee_assess``;
- ``payments``: ``payment_record`` (with its receipt, e-mailed by a job), ``receipt_void``, ``case_refund``;
- ``production``: ``order_create``, ``order_delivered``;
- ``installation``: ``case_installed`` (photo and GPS), ``case_collected``;
- ``notices``: ``notice_batch_create``, ``notice_batch_record_sent``, ``notice_batch_discard`` (resident letters).
"""

from geo_portal.reissue.services.cases import (
    Applicant,
    PlateRequest,
    case_cancel,
    case_close,
    case_open,
    case_open_from_finding,
    case_open_from_report,
)
from geo_portal.reissue.services.fees import fee_assess, fee_schedule_add
from geo_portal.reissue.services.installation import case_collected, case_installed
from geo_portal.reissue.services.notices import notice_batch_create, notice_batch_discard, notice_batch_record_sent
from geo_portal.reissue.services.payments import case_refund, payment_record, receipt_mark_emailed, receipt_void
from geo_portal.reissue.services.production import order_create, order_delivered

__all__ = [
    "Applicant",
    "PlateRequest",
    "case_cancel",
    "case_close",
    "case_collected",
    "case_installed",
    "case_open",
    "case_open_from_finding",
    "case_open_from_report",
    "case_refund",
    "fee_assess",
    "fee_schedule_add",
    "notice_batch_create",
    "notice_batch_discard",
    "notice_batch_record_sent",
    "order_create",
    "order_delivered",
    "payment_record",
    "receipt_mark_emailed",
    "receipt_void",
]
