"""Raw SQL of re-issuance (its own tables only; parameters only)."""

from __future__ import annotations

# The next receipt number of an office and year: an upsert on the counter row, whose row lock is then held until
# the paying transaction ends. A second payment waits here for the first to commit (or roll back, when it takes
# the same number), so numbers are consecutive with no gap and never shared.
NEXT_RECEIPT_NUMBER = """
INSERT INTO reissue_receiptcounter (office, year, last_number) VALUES (%s, %s, 1)
ON CONFLICT (office, year) DO UPDATE SET last_number = reissue_receiptcounter.last_number + 1
RETURNING last_number
"""

# A case's id before its insert: the change log's cause names it (reissue_case:<id>) for the insert's own event.
NEXT_CASE_ID = "SELECT nextval(pg_get_serial_sequence('reissue_case', 'id'))"

# The daily scan of overdue cases, set-based: a reminder for the clerk of every open case past its step's due date
# (round 0 on the first overdue day, then one more every %(every)s days), and one for the resident of every plate
# that waits at the office (delivered) past its due date when they gave an e-mail address. The unique index makes a
# second run on the same day (or a retried job) add nothing.
SCAN_OVERDUE = """
INSERT INTO reissue_overduenotice (case_id, state, due_on, recipient, round, created_at, outcome)
SELECT c.id, c.state, c.due_on, 'clerk', ((%(today)s::date - c.due_on) - 1) / %(every)s, now(), ''
FROM reissue_case c
WHERE c.state = ANY(%(open)s) AND c.due_on < %(today)s
UNION ALL
SELECT c.id, c.state, c.due_on, 'resident', 0, now(), ''
FROM reissue_case c JOIN reissue_caseapplicant a ON a.case_id = c.id
WHERE c.state = 'delivered' AND c.due_on < %(today)s AND a.email <> ''
ON CONFLICT (case_id, state, due_on, recipient, round) DO NOTHING
RETURNING recipient
"""

# Reminders not handled yet, with their case as it is now (a case that moved on is not reminded of).
WAITING_NOTICES = """
SELECT n.id, n.recipient, n.state, n.due_on, c.id, c.reference, c.state, c.due_on, c.clerk_id
FROM reissue_overduenotice n JOIN reissue_case c ON c.id = n.case_id
WHERE n.done_at IS NULL
ORDER BY c.clerk_id, n.due_on, c.id
"""

# This transaction's commit does not wait for its WAL record to reach the disk (a reminder's "sent" mark: see
# services.overdue._close); the database stays consistent, only the last fraction of a second of such commits can be
# lost in a crash.
ASYNC_COMMIT = "SET LOCAL synchronous_commit TO OFF"

# Notice batches are made one at a time (a transaction-level advisory lock, released at commit): two clerks preparing
# letters for overlapping scopes at once would otherwise both see a plate as not yet written to. The key is a
# constant of this app ('reissue notices' as 64-bit text hash).
NOTICE_BATCH_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('reissue.notice_batch', 0))"
