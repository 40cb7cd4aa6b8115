"""Raw SQL of change notifications (parameters only; the app's own tables only)."""

from __future__ import annotations

# The sender's start: the subscription's state and URL, and the secrets that sign now (newest first), in one read.
SENDER = """
SELECT s.status, s.mode, s.url,
       coalesce(array_agg(k.secret ORDER BY k.created_at DESC, k.id DESC) FILTER (WHERE k.id IS NOT NULL), '{}')
FROM notifications_subscription s
LEFT JOIN notifications_signingsecret k
       ON k.subscription_id = s.id AND (k.expires_at IS NULL OR k.expires_at > now())
WHERE s.id = %s
GROUP BY s.id
"""
# The subscription's oldest pending messages, in order.
PENDING = """
SELECT id, msg_id, payload, attempts, tries, next_attempt_at FROM notifications_message
WHERE subscription_id = %s AND status = 'pending' ORDER BY id LIMIT %s
"""
DUE = """
SELECT EXISTS (SELECT FROM notifications_message
               WHERE subscription_id = %s AND status = 'pending' AND next_attempt_at <= now())
"""
# Messages delivered one after another: their attempts and their new state in one statement (arrays in one order).
RECORD_DELIVERED = """
WITH v AS (
    SELECT * FROM unnest(%(ids)s::bigint[], %(numbers)s::int[], %(ats)s::timestamptz[], %(codes)s::int[],
                         %(ms)s::float8[], %(acks)s::varchar[]) AS v(id, number, at, code, ms, ack)
), attempts AS (
    INSERT INTO notifications_attempt (message_id, number, at, status_code, response_ms, ok, error, ack_id, by)
    SELECT id, number, at, code, ms, true, '', ack, %(by)s FROM v
)
UPDATE notifications_message m
SET status = 'delivered', delivered_at = v.at, ack_id = v.ack, next_attempt_at = NULL, last_error = '',
    attempts = m.attempts + 1, tries = m.tries + 1
FROM v WHERE m.id = v.id
"""
