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
from django.core.mail import get_connection
from django.db import connection, transaction
from django.utils import timezone

from geo_portal.reissue.mail import overdue_clerk_message, ready_to_collect_message
from geo_portal.reissue.models import CaseApplicant, OverdueNotice
from geo_portal.reissue.sql import ASYNC_COMMIT, SCAN_OVERDUE, WAITING_NOTICES
from geo_portal.reissue.states import OPEN

OUTCOME = OverdueNotice.Outcome
# Sent e-mails marked together, this many at a time (see overdue_send).
MARK_EVERY = 20


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
    """Mark reminders handled, in a transaction of its own whose commit does not wait for the disk (the WAL flush): a
    mark lost in a database crash within the flush delay (a fraction of a second) means that reminder is sent again
    by the next run, as after any failure between sending and marking."""
    if ids:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(ASYNC_COMMIT)
            OverdueNotice.objects.filter(pk__in=ids, done_at__isnull=True).update(done_at=timezone.now(), outcome=outcome)


def overdue_send() -> SendResult:
    """Send the reminders that wait (marked as they go, so a failure resends only what was not sent)."""
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
    users = get_user_model().objects.in_bulk(list(clerks))
    addresses = dict(
        CaseApplicant.objects.filter(case_id__in=[c.case_id for _id, c in residents]).values_list("case_id", "email")
    )
    # Who cannot be written to is marked at once, in one statement; then every e-mail goes out over one connection
    # to the mail server (Django's backends otherwise open one per message). What was sent is marked so every
    # MARK_EVERY messages and, whatever happens, when the sending stops: a failed message (the server refused it, the
    # connection broke) leaves only itself and the rest unsent for the retry. Marking after each message instead
    # cost a transaction per e-mail, seconds on a busy machine; only a killed process can now resend a few.
    to_clerks = [(users[c], notices) for c, notices in clerks.items() if c in users and users[c].email]
    to_residents = [(notice_id, case, addresses[case.case_id]) for notice_id, case in residents
                    if addresses.get(case.case_id)]  # fmt: skip
    unreachable = [notice_id for c, notices in clerks.items() if not (c in users and users[c].email)
                   for notice_id, _case in notices]  # fmt: skip
    unreachable += [notice_id for notice_id, case in residents if not addresses.get(case.case_id)]
    _close(unreachable, OUTCOME.NO_ADDRESS)
    messages = [(overdue_clerk_message(user=user, cases=[case for _id, case in notices]),
                 [notice_id for notice_id, _case in notices]) for user, notices in to_clerks]  # fmt: skip
    messages += [(ready_to_collect_message(email=email, case=case), [notice_id]) for notice_id, case, email in to_residents]
    sent: list[int] = []
    try:
        with get_connection(fail_silently=False) as mailer:
            for n, (message, notice_ids) in enumerate(messages, start=1):
                message.connection = mailer
                message.send(fail_silently=False)
                sent += notice_ids
                if n % MARK_EVERY == 0:
                    _close(sent, OUTCOME.SENT)
                    sent = []
    finally:
        _close(sent, OUTCOME.SENT)
    return SendResult(len(to_clerks), len(to_residents), len(unreachable), len(moved_on))
