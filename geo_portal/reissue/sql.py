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
