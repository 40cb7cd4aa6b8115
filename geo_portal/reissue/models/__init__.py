"""Re-issuance models: cases and their plates, applicants and steps (``cases``); fee schedule, payments and
receipts (``money``); production orders, installations and overdue reminders (``work``);
resident notice letters (``notices``)."""

from geo_portal.reissue.models.cases import Case, CaseApplicant, CasePlate, CaseStep, PlateKind, Reason, Source
from geo_portal.reissue.models.money import FeeSchedule, Payment, Receipt, ReceiptCounter
from geo_portal.reissue.models.notices import NoticeBatch, NoticeCondition, NoticeLetter, ScopeKind, SendMethod
from geo_portal.reissue.models.work import Installation, OverdueNotice, ProductionOrder

__all__ = [
    "Case",
    "CaseApplicant",
    "CasePlate",
    "CaseStep",
    "FeeSchedule",
    "Installation",
    "NoticeBatch",
    "NoticeCondition",
    "NoticeLetter",
    "OverdueNotice",
    "Payment",
    "PlateKind",
    "ProductionOrder",
    "Reason",
    "Receipt",
    "ReceiptCounter",
    "ScopeKind",
    "SendMethod",
    "Source",
]
