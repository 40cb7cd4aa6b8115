"""Raw SQL of change notifications (parameters only; the app's own tables only)."""

from __future__ import annotations

# Messages delivered in one run: each with its attempt time and acknowledgement (arrays in the same order).
MARK_DELIVERED = """
UPDATE notifications_message m
SET status = 'delivered', delivered_at = v.at, ack_id = v.ack, next_attempt_at = NULL, last_error = '',
    attempts = m.attempts + 1, tries = m.tries + 1
FROM unnest(%(ids)s::bigint[], %(ats)s::timestamptz[], %(acks)s::varchar[]) AS v(id, at, ack)
WHERE m.id = v.id
"""
