"""Overdue follow-up (四(二)): find the cases past their step's due date and remind people, once per round.

``overdue_scan`` writes the reminders due today in one set-based statement (a clerk's case on its first overdue
day and then every ``REISSUE_REMIND_EVERY_DAYS``; the resident of a plate waiting at the office, once), so a second
run or a retried job adds none. ``overdue_send`` sends what waits: one e-mail per clerk listing their overdue cases,
one per resident; a reminder whose case moved on meanwhile is closed unsent, one to a clerk without an e-mail address
is marked so (the supervisors' dashboard lists every overdue case whatever became of its reminders). Called by the
daily job (``tasks.remind_overdue``) and tests.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from geo_portal.reissue.mail import overdue_clerk_message, ready_to_collect_message
from geo_portal.reissue.models import CaseApplicant, OverdueNotice
from geo_portal.reissue.sql import SCAN_OVERDUE, WAITING_NOTICES
from geo_portal.reissue.states import OPEN

OUTCOME = OverdueNotice.Outcome


@dataclass(frozen=True)
class ScanResult:
    clerk: int
    resident: int


@dataclass(frozen=True)
class OverdueCase:
    case_id: int
    reference: str
    state: str
    due_on: dt.date


@dataclass(frozen=True)
class SendResult:
    clerk_emails: int
    resident_emails: int
    no_address: int
    moved_on: int


@transaction.atomic
def overdue_scan(*, today: dt.date | None = None) -> ScanResult:
    """Write today's reminders of overdue cases (none twice); how many were new, per recipient."""
    day = today or timezone.localdate()
    params = {"today": day, "every": max(1, int(settings.REISSUE_REMIND_EVERY_DAYS)), "open": sorted(OPEN)}
    with connection.cursor() as cur:
        cur.execute(SCAN_OVERDUE, params)
        recipients = [r for (r,) in cur.fetchall()]
    return ScanResult(clerk=recipients.count("clerk"), resident=recipients.count("resident"))


def _close(ids: list[int], outcome: str) -> None:
    if ids:
        OverdueNotice.objects.filter(pk__in=ids, done_at__isnull=True).update(done_at=timezone.now(), outcome=outcome)


def overdue_send() -> SendResult:
    """Send the reminders that wait (each marked as it goes, so a failure resends only what was not sent)."""
    with connection.cursor() as cur:
        cur.execute(WAITING_NOTICES)
        rows = cur.fetchall()
    moved_on: list[int] = []
    clerks: dict[int, list[tuple[int, OverdueCase]]] = defaultdict(list)
    residents: list[tuple[int, OverdueCase]] = []
    for notice_id, recipient, state, due_on, case_id, reference, case_state, case_due, clerk_id in rows:
        if (state, due_on) != (case_state, case_due):
            moved_on.append(notice_id)
            continue
        case = OverdueCase(case_id, reference, state, due_on)
        (clerks[clerk_id] if recipient == OverdueNotice.Recipient.CLERK else residents).append((notice_id, case))
    _close(moved_on, OUTCOME.MOVED_ON)
    no_address, clerk_emails, resident_emails = 0, 0, 0
    users = get_user_model().objects.in_bulk(list(clerks))
    for clerk_id, notices in clerks.items():
        ids = [notice_id for notice_id, _case in notices]
        user = users.get(clerk_id)
        if user is None or not user.email:
            _close(ids, OUTCOME.NO_ADDRESS)
            no_address += len(ids)
            continue
        overdue_clerk_message(user=user, cases=[case for _id, case in notices]).send(fail_silently=False)
        _close(ids, OUTCOME.SENT)
        clerk_emails += 1
    addresses = dict(
        CaseApplicant.objects.filter(case_id__in=[c.case_id for _id, c in residents]).values_list("case_id", "email")
    )
    for notice_id, case in residents:
        email = addresses.get(case.case_id, "")
        if not email:
            _close([notice_id], OUTCOME.NO_ADDRESS)
            no_address += 1
            continue
        ready_to_collect_message(email=email, case=case).send(fail_silently=False)
        _close([notice_id], OUTCOME.SENT)
        resident_emails += 1
    return SendResult(clerk_emails, resident_emails, no_address, len(moved_on))
